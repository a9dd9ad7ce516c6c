// Portable embedding kernels: a row gather (split between the pool's threads by rows) and its
// scatter-add (one thread on purpose: it adds into rows that several ids share, and a split
// would race on them).
#include <cstring>

#include "kernels.h"
#include "pool.h"

namespace recur {

bool embedding_forward(Pool* pool, int64_t rows, int64_t dim, int64_t vocab, const int32_t* ids, const float* table, float* out) {
  // Every id first: a bad one must leave out untouched (the addon then throws).
  for (int64_t r = 0; r < rows; r++)
    if (ids[r] < 0 || ids[r] >= vocab) return false;
  pool_ranges(pool, rows, dim > 0 ? (MIN_ELEMENTS_PER_PART + dim - 1) / dim : 1, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) std::memcpy(out + r * dim, table + int64_t(ids[r]) * dim, sizeof(float) * dim);
  });
  return true;
}

// Repeated ids accumulate in row order, as the reference does; paddingIdx rows and (defensively)
// ids outside [0, vocab) are skipped.
void embedding_backward(int64_t rows, int64_t dim, int64_t vocab, const int32_t* ids, const float* dOut, float* dTable,
                        int32_t paddingIdx) {
  for (int64_t r = 0; r < rows; r++) {
    const int32_t id = ids[r];
    if (id == paddingIdx || id < 0 || id >= vocab) continue;
    float* __restrict dst = dTable + int64_t(id) * dim;
    const float* __restrict src = dOut + r * dim;
    for (int64_t d = 0; d < dim; d++) dst[d] += src[d];
  }
}

}  // namespace recur
