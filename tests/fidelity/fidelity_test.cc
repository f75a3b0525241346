// The fidelity harness as a test: the corpus in cases/ and 200 random cases must show
// no difference between the host kernel and vmlab.
#include <sstream>

#include <gtest/gtest.h>

#include "fidelity/compare.h"
#include "fidelity/driver.h"
#include "fidelity/fidelity.h"

namespace vmlab::fidelity {
namespace {

TEST(Fidelity, Corpus) {
  FidelityOptions o;
  o.cases = default_cases_dir();
  std::ostringstream out, err;
  const int rc = run_fidelity(o, out, err);
  EXPECT_EQ(rc, 0) << out.str() << err.str();
  EXPECT_NE(out.str().find(" 0 differ"), std::string::npos) << out.str();
  std::cout << out.str().substr(out.str().rfind("fidelity:"));
}

TEST(Fidelity, Random200Seed1) {
  FidelityOptions o;
  o.run_corpus = false;
  o.random = 200;
  o.seed = 1;
  std::ostringstream out, err;
  const int rc = run_fidelity(o, out, err);
  EXPECT_EQ(rc, 0) << out.str() << err.str();
  std::cout << out.str().substr(out.str().rfind("fidelity:"));
}

TEST(Fidelity, RandomCasesRepeat) {
  EXPECT_EQ(random_case(7, 3).steps.dump(), random_case(7, 3).steps.dump());
  EXPECT_NE(random_case(7, 3).steps.dump(), random_case(7, 4).steps.dump());
}

TEST(Fidelity, ComparerReportsEachField) {
  Record a, b;
  a.name = b.name = "x";
  a.steps.push_back({0, "0:observe", {{"minflt", "1"}, {"majflt", "0"}}});
  b.steps.push_back({0, "0:observe", {{"minflt", "2"}, {"majflt", "0"}}});
  Comparison c = compare_records(a, b);
  EXPECT_EQ(c.observations, 2u);
  ASSERT_EQ(c.differences.size(), 1u);
  EXPECT_EQ(c.differences[0].field, "minflt");
  EXPECT_EQ(c.differences[0].linux_value, "1");
  EXPECT_EQ(c.differences[0].vmlab_value, "2");
}

TEST(Fidelity, ArgumentParsing) {
  const char* argv[] = {"fidelity", "--random", "5", "--seed", "9"};
  int code = -1;
  std::ostringstream out, err;
  auto o = parse_fidelity_args(5, const_cast<char**>(argv), out, err, code);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->random, 5u);
  EXPECT_EQ(o->seed, 9u);
  EXPECT_FALSE(o->run_corpus);
  const char* bad[] = {"fidelity", "--random", "x"};
  EXPECT_FALSE(parse_fidelity_args(3, const_cast<char**>(bad), out, err, code));
  EXPECT_EQ(code, 2);
}

TEST(Fidelity, NameTables) {
  EXPECT_EQ(parse_prot(nlohmann::json("rw")), 3);
  EXPECT_EQ(parse_map_flags(nlohmann::json("private|anonymous|fixed")), 0x32);
  EXPECT_EQ(parse_advice(nlohmann::json("dontneed")), 4);
  EXPECT_EQ(errno_text(22), "EINVAL");
}

}  // namespace
}  // namespace vmlab::fidelity
