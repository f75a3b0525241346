// The run queue: every task that may be scheduled, in the order they were created,
// which is the order the scheduler visits them. The scheduler loop that runs tasks on
// the CPUs' harts is in guest/runtime.
#pragma once

#include <algorithm>
#include <vector>

namespace vmlab::kern {

class RunQueue {
 public:
  // wake_up_new_task(): a new task joins.
  void add(int tid) { order_.push_back(tid); }
  // release_task(): a task leaves for good.
  void remove(int tid) { std::erase(order_, tid); }
  // de_thread(): a task takes its leader's tid.
  void rename(int from, int to) { std::replace(order_.begin(), order_.end(), from, to); }
  const std::vector<int>& order() const { return order_; }

 private:
  std::vector<int> order_;
};

}  // namespace vmlab::kern
