// The same observations as the text output, as JSON: for scripts and notebooks.
#include "cli/demos/demos.h"

namespace vmlab::demos {

namespace {

using Json = nlohmann::ordered_json;

Json process_json(const ProcessView& p) {
  Json j;
  j["label"] = p.label;
  j["pid"] = p.pid;
  j["maps"] = p.maps;
  j["status"] = {{"VmSize", p.vm_size_line}, {"VmRSS", p.vm_rss_line}};
  j["vm_size_kb"] = p.vm_size_kb;
  j["vm_rss_kb"] = p.vm_rss_kb;
  j["vm_pte_kb"] = p.vm_pte_kb;
  j["minflt"] = p.minflt;
  if (!p.smaps.empty()) j["smaps"] = p.smaps;
  return j;
}

Json memory_json(const MemoryView& m) {
  Json j;
  j["free"] = m.free;
  j["sar_r"] = {{"header", m.sar_header}, {"line", m.sar_line}};
  j["meminfo_kb"] = {{"MemFree", m.mem_free_kb},         {"Cached", m.cached_kb},
                     {"Dirty", m.dirty_kb},              {"AnonPages", m.anon_pages_kb},
                     {"PageTables", m.page_tables_kb},   {"Committed_AS", m.committed_as_kb}};
  j["kbmemused"] = m.kbmemused;
  return j;
}

}  // namespace

nlohmann::ordered_json to_json(const Experiment& e) {
  Json j;
  j["name"] = e.name;
  j["title"] = e.title;
  j["summary"] = e.summary;
  Json steps = Json::array();
  for (const Step& s : e.steps) {
    Json js;
    js["id"] = s.id;
    js["title"] = s.title;
    js["explanation"] = s.explanation;
    js["notice"] = s.notice;
    js["events"] = s.events;
    Json procs = Json::array();
    for (const ProcessView& p : s.processes) procs.push_back(process_json(p));
    js["processes"] = std::move(procs);
    js["memory"] = memory_json(s.memory);
    Json values = Json::object();
    for (const Value& v : s.values) values[v.key] = v.value;
    js["values"] = std::move(values);
    steps.push_back(std::move(js));
  }
  j["steps"] = std::move(steps);
  j["completed"] = e.stopped.empty();
  if (!e.stopped.empty()) j["stopped"] = e.stopped;
  j["check"] = {{"ok", e.check_problems.empty()}, {"problems", e.check_problems}};
  return j;
}

}  // namespace vmlab::demos
