// Runs a case on a Backend: resolves the case's symbolic addresses (a mapping's name
// plus a page or byte offset) per process, performs each step, and records what every
// step returned and what every observe step saw, in a form that does not depend on
// where things are (addresses relative to the fence or to the mapping, file names
// relative to the case's directory).
#pragma once

#include <string>
#include <string_view>

#include "fidelity/backend.h"
#include "fidelity/case.h"
#include "fidelity/record.h"

namespace vmlab::fidelity {

// Never throws: a malformed case or a failing backend gives a Record with `error`.
Record run_case(const Case& c, Backend& backend);

// Name tables shared by the runners and the generator.
int parse_prot(const nlohmann::json& v);
int parse_map_flags(const nlohmann::json& v);
int parse_advice(const nlohmann::json& v);
int parse_msync_flags(const nlohmann::json& v);
int parse_mremap_flags(const nlohmann::json& v);
std::string errno_text(int err);  // "EINVAL"

}  // namespace vmlab::fidelity
