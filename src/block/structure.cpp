#include "block/structure.h"

#include <unordered_map>

namespace tempo::block {
namespace {

constexpr int kKindServer = 2;
constexpr int kKindClient = 3;

// Up to two spans per ID; `count` keeps counting beyond two to detect invalid traces.
struct IdNodes {
  uint32_t first = 0, second = 0;
  uint32_t count = 0;
};

}  // namespace

void ComputeStructure(std::span<const SpanLinkage> spans, TraceStructure* out) {
  const size_t n = spans.size();
  out->order.clear();
  out->order.reserve(n);
  out->parent_pos.assign(n, -1);
  out->subtree_end.assign(n, 0);
  out->disconnected.assign(n, 1);
  if (n == 0) return;

  std::unordered_map<std::string_view, IdNodes> by_id;
  by_id.reserve(n * 2);
  bool shared_too_often = false;
  bool has_root = false;
  for (uint32_t i = 0; i < n; ++i) {
    IdNodes& nodes = by_id[spans[i].span_id];
    if (nodes.count == 0) nodes.first = i;
    if (nodes.count == 1) nodes.second = i;
    if (++nodes.count > 2) shared_too_often = true;
    has_root = has_root || spans[i].parent_span_id.empty();
  }

  // parent[i]: trace-order index of the parent, -1 for roots and spans without a parent.
  std::vector<int64_t> parent(n, -1);
  std::vector<uint32_t> child_count(n + 1, 0);
  for (uint32_t i = 0; i < n; ++i) {
    if (spans[i].parent_span_id.empty()) continue;
    auto it = by_id.find(spans[i].parent_span_id);
    if (it == by_id.end()) continue;
    const IdNodes& nodes = it->second;
    int64_t p = -1;
    if (nodes.count == 1) {
      p = nodes.first;
    } else if (nodes.count == 2) {
      int want = spans[i].kind == kKindServer ? kKindClient : kKindServer;
      if (spans[nodes.first].kind == want) {
        p = nodes.first;
      } else if (spans[nodes.second].kind == want) {
        p = nodes.second;
      }
    }
    if (p == static_cast<int64_t>(i)) p = -1;  // a span naming itself as parent is an orphan
    parent[i] = p;
    if (p >= 0) ++child_count[static_cast<size_t>(p)];
  }
  // Children in trace order, as one array of ranges (CSR).
  std::vector<uint32_t> child_begin(n + 1, 0);
  for (size_t i = 0; i < n; ++i) child_begin[i + 1] = child_begin[i] + child_count[i];
  std::vector<uint32_t> children(child_begin[n]);
  std::vector<uint32_t> fill(child_begin.begin(), child_begin.end() - 1);
  for (uint32_t i = 0; i < n; ++i) {
    if (parent[i] >= 0) children[fill[static_cast<size_t>(parent[i])]++] = i;
  }

  std::vector<uint32_t> pos_of(n, UINT32_MAX);
  std::vector<uint32_t> next_child(n, 0);
  std::vector<uint32_t> stack;
  const bool numbered = has_root && !shared_too_often;
  // Walks the subtree of `start` (skipping visited spans), assigning positions in pre-order.
  auto walk = [&](uint32_t start, bool connected) {
    uint32_t start_pos = static_cast<uint32_t>(out->order.size());
    pos_of[start] = start_pos;
    out->order.push_back(start);
    out->parent_pos[start_pos] = -1;
    if (connected && numbered) out->disconnected[start_pos] = 0;
    stack.push_back(start);
    while (!stack.empty()) {
      uint32_t node = stack.back();
      uint32_t node_pos = pos_of[node];
      if (next_child[node] < child_count[node]) {
        uint32_t child = children[child_begin[node] + next_child[node]++];
        if (pos_of[child] != UINT32_MAX) continue;  // part of a cycle, already placed
        uint32_t child_pos = static_cast<uint32_t>(out->order.size());
        pos_of[child] = child_pos;
        out->order.push_back(child);
        out->parent_pos[child_pos] = static_cast<int32_t>(node_pos);
        if (connected && numbered) out->disconnected[child_pos] = 0;
        stack.push_back(child);
      } else {
        out->subtree_end[node_pos] = static_cast<uint32_t>(out->order.size() - 1);
        stack.pop_back();
      }
    }
  };
  for (uint32_t i = 0; i < n; ++i) {
    if (spans[i].parent_span_id.empty()) walk(i, true);
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (pos_of[i] == UINT32_MAX && parent[i] < 0) walk(i, false);
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (pos_of[i] == UINT32_MAX) walk(i, false);
  }
}

}  // namespace tempo::block
