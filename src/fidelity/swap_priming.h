// The steps the main process of a pressure case runs before the case, on both sides,
// so that Linux's swap-in readahead starts from one known state.
//
// swapin_nr_pages() (mm/swap_state.c) sizes each cluster readahead window from three
// globals that outlive any process and any swap area: the readahead hits since the last
// window (4 at boot), the offset of the last fault that had none, and the last window.
// A fresh vmlab machine has the boot values; the host has whatever the previous swap-in
// left. Three swap-ins of one page each, at consecutive slots with no readahead hit,
// leave the same state whatever came before: the hits 0 (each window reads only its
// own, single used slot), the last offset the third slot, and the last window 2 (the
// second fault halves any earlier window to at most 4, the third is adjacent to the
// second and halves it again to at most 2, and adjacency alone asks for 2).
//
// Each swap-in needs its page out of the swap cache: paged out (written, left in the
// swap cache), settled, read back (a swap cache hit), paged out again (clean now, so
// freed at once), then written, which reads it from the swap area and frees its slot.
// Afterwards the mapping is gone and the area's next slot is the fourth.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace vmlab::fidelity {

// The mapping the priming steps use; the driver forgets it afterwards.
inline const std::string kPrimingMap = ".prime";

nlohmann::json swap_priming_steps();

}  // namespace vmlab::fidelity
