// Rule cases: where the host cannot show a behaviour, the "Linux" side of a case is
// the values its steps expect (Linux's documented rule), and only those fields of
// vmlab's record are compared.
#pragma once

#include "fidelity/case.h"
#include "fidelity/record.h"

namespace vmlab::fidelity {

// A record holding, for every step, the fields its "expect" object names.
Record expected_record(const Case& c);

// `actual` restricted to the fields `expected` names (a field vmlab did not show is
// kept as missing, so the comparison reports it).
Record restrict_to(const Record& actual, const Record& expected);

}  // namespace vmlab::fidelity
