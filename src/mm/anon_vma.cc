#include "mm/anon_vma.h"

#include <algorithm>

#include "mm/vma.h"

namespace vmlab::mm {

void AnonVma::link(Vma& vma, AnonVma* av) {
  av->vmas_.push_back(&vma);
  ++av->refs_;
  vma.anon_chain.push_back(av);
}

void AnonVma::clone_chain(Vma& dst, const Vma& src) {
  dst.anon_chain.clear();
  for (AnonVma* av : src.anon_chain) link(dst, av);
  dst.anon_vma = src.anon_vma;
}

void AnonVma::put(AnonVma* av) {
  while (av != nullptr && --av->refs_ == 0) {
    AnonVma* parent = av->parent_;
    delete av;
    av = parent;
  }
}

void AnonVma::unlink_all(Vma& vma) {
  for (AnonVma* av : vma.anon_chain) {
    auto& v = av->vmas_;
    auto it = std::find(v.begin(), v.end(), &vma);
    if (it != v.end()) {
      *it = v.back();
      v.pop_back();
    }
    put(av);
  }
  vma.anon_chain.clear();
  vma.anon_vma = nullptr;
}

AnonVma* AnonVma::prepare(Vma& vma) {
  if (vma.anon_vma == nullptr) {
    vma.anon_vma = new AnonVma(nullptr);
    link(vma, vma.anon_vma);
  }
  return vma.anon_vma;
}

void AnonVma::fork(Vma& child, const Vma& parent) {
  child.anon_chain.clear();
  child.anon_vma = nullptr;
  if (parent.anon_vma == nullptr) return;
  for (AnonVma* av : parent.anon_chain) link(child, av);
  child.anon_vma = new AnonVma(parent.anon_vma);
  link(child, child.anon_vma);
}

}  // namespace vmlab::mm
