/*
 * dialect/common.h -- helpers that several op families share, written once in the common dialect (included after
 * dialect/opencl.h or dialect/cuda.h).
 */

/* σ(x) = 1/(1 + e^−x), without overflow for large |x| (as ReferenceBackend.sigmoid). */
FN float sigmoid_f(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + exp(-x));
    float e = exp(x);
    return e / (1.0f + e);
}

/*
 * Sums v over the work-group through scratch (work-group size a power of two); every work-item gets the total.
 * Pairwise: log2 L levels, error O(log n); no atomics, so the result is the same on every run.
 */
FN float group_sum(float v, SHARED_PTR float *scratch) {
    int l = get_local_id(0);
    scratch[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (l < s) scratch[l] += scratch[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    return scratch[0];
}
