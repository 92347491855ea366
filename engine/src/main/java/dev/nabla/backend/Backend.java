package dev.nabla.backend;

/**
 * The small, closed set of ops every layer is written in — the unit of acceleration.
 *
 * <p>{@link ReferenceBackend} implements each op as plain loops: it is the executable specification, and its
 * source is the documentation of the exact semantics. Every other backend passes the contract test suite
 * ({@code BackendContractTest} in the engine's test jar) against it.
 *
 * <p>Conventions: tensors are row-major and contiguous (a tensor may be a view at an offset into a larger storage);
 * "into" ops write into a tensor the caller allocated, so a training step allocates nothing; arguments must belong
 * to this backend. Ops return nothing to the host except where the signature returns a number (loss, norm, count):
 * a GPU backend may queue every other op asynchronously. Class labels travel as float tensors holding the class
 * index (exact below 2²⁴); a negative label means "ignore this row" (padding of variable-length sequences).
 *
 * <p>Non-finite values follow IEEE 754, as in PyTorch: a NaN in an op's input gives NaN in every output it reaches —
 * through relu, step and sign (which a bare comparison would turn into 0 or 1), through max pooling and arg-max (NaN
 * counts as the largest value, so it is never dropped from a window), softmax and every loss; derivatives are NaN
 * where their input is, and dx = dy·f'(x) is an IEEE product (∞·0 = NaN). ±∞ go where the formulas take them
 * (relu(−∞) = 0, σ(∞) = 1, ∞ − ∞ = NaN). The contract suite checks NaN and ±∞ for every op on every backend.
 *
 * <p>Every backend extends {@link CheckedBackend}, which validates each call once, above the implementations: a
 * closed backend, a closed tensor (or a view of one), a tensor of another backend, a null tensor or mismatched shapes
 * are refused with the same exception and message on every backend, before anything runs.
 *
 * <p>Threads. {@code ref} and {@code cpu}: one instance may be used from several threads at once, as long as no two
 * threads write the same tensor (the reference keeps no state; the CPU backend's ops share one worker pool, and a call
 * made while it is busy runs on the caller's thread, with the same result). {@code opencl} and {@code cuda}: an
 * instance belongs to the first thread that uses it, and another thread is refused with an
 * {@link IllegalStateException} until that thread has ended; instances are independent (each has its own queue or
 * stream, kernel objects and memory pool), so use one backend per thread. Tensors of one backend never mix with
 * another's.
 */
public interface Backend extends AutoCloseable {

    /** Short name, as chosen with {@code --backend}: "ref", "cpu", "opencl", … */
    String name();

    // ---------------------------------------------------------------- memory

    /** A new zero-filled tensor. */
    Tensor zeros(int... shape);

    /** A new tensor holding a copy of {@code data} (an upload for GPU backends). */
    Tensor upload(float[] data, int... shape);

    /** Copies {@code src[srcOffset ..]} into the whole of {@code dst} (an upload for GPU backends). */
    void upload(float[] src, int srcOffset, Tensor dst);

    /** Copies the elements of {@code src} to {@code dst[0 .. src.size())} (a download for GPU backends; waits for queued work). */
    void download(Tensor src, float[] dst);

    /** Copies the elements to a new array. */
    default float[] download(Tensor src) {
        float[] out = new float[src.size()];
        download(src, out);
        return out;
    }

    /** Returns the storage of an owning tensor to the backend (a pool, for GPU backends). Called by {@link Tensor#close()}. */
    void release(Tensor t);

    /** Waits until all queued work is done, reporting any error the device found meanwhile (a no-op for synchronous backends). */
    default void synchronize() {}

    /**
     * Within the returned scope (on this thread), a device backend reports an index of {@link #gatherRows} or
     * {@link #scatterAddRows} that is not a row of the table at its next read instead of at the call, which saves a wait
     * for the device per embedding op. For a caller whose next read comes before anything is updated — the
     * {@link dev.nabla.train.Trainer}, whose loss read follows the forward pass — the error still stops the step in
     * time, naming the op that found it and the call that read it. Outside a scope, and on host backends always, the
     * call itself throws.
     */
    default Scope deferIndexChecks() { return () -> {}; }

    /** A scope to close (nests). */
    @FunctionalInterface
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    default void close() {}

    // ---------------------------------------------------------------- elementwise (BLAS level 1, dropout)

    /** x ← v everywhere. */
    void fill(Tensor x, float v);

    /** dst ← src (same size; shapes may differ). */
    void copy(Tensor src, Tensor dst);

    /** y ← α·x + y. */
    void axpy(float alpha, Tensor x, Tensor y);

    /** x ← α·x. */
    void scale(Tensor x, float alpha);

    /** out ← a ⊙ b (elementwise product; out may alias a or b). */
    void mul(Tensor a, Tensor b, Tensor out);

    /** Σ x² (squared L2 norm), accumulated in double. */
    float sumSquares(Tensor x);

    /**
     * Σ x² of each tensor, as {@link #sumSquares} gives it, with one wait for the queue instead of one per tensor (a GPU
     * backend reduces them all on the device and reads the numbers back together): the trainer's per-step check of the
     * gradient norm over every parameter.
     */
    float[] sumSquaresEach(Tensor... xs);

    /**
     * The values of {@code values} followed by {@link #sumSquaresEach}(xs), in one wait for the queue: a training step
     * reads its loss (left on the device by {@link #softmaxCrossEntropyInto} and the other {@code …Into} losses) and its
     * gradient norm together — the one read per step of a GPU backend.
     */
    float[] readWithSumSquares(Tensor values, Tensor... xs);

    /**
     * Inverted-dropout mask: mask[i] = 1/(1 − p) if u_i ≥ p else 0, with u_i = {@link ReferenceBackend#uniform(long, int)}
     * (a counter-based hash of (seed, i), so every backend draws the same mask).
     */
    void dropoutMask(Tensor mask, float p, long seed);

    // ---------------------------------------------------------------- gemm (BLAS level 3)

    /**
     * C ← α·op(A)·op(B) + β·C, with op(X) = X or Xᵀ. A, B, C are read as 2-D row-major matrices: a tensor of rank ≠ 2
     * is read as [size/lastDim, lastDim]. op(A) is M×K, op(B) is K×N, C is M×N. As in BLAS, β = 0 ignores C's old
     * contents and α = 0 (or K = 0) reads neither A nor B: C ← β·C (so a NaN there does not reach C); otherwise NaN
     * and ∞ propagate through the products and sums.
     */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /**
     * Packs op(B) (K×N) once for many {@link #gemmPacked} products with it, after MKL's {@code cblas_sgemm_pack}: a
     * recurrent layer's W_h, which every one of T time steps multiplies. {@code packed} is a [K, N] tensor of this
     * backend; what its storage holds is the backend's own layout (the reference and the GPU backends: op(B)
     * row-major; the CPU backend: its GEMM's micro-panels), for gemmPacked alone to read. It is a snapshot: a later
     * change to B does not reach it.
     */
    void gemmPack(boolean transB, Tensor b, Tensor packed);

    /**
     * C ← α·op(A)·B + β·C for a B packed by {@link #gemmPack} (after {@code cblas_sgemm_compute}): the product
     * {@link #gemm} would give with op(B), to the same tolerance, α, β and NaN as there.
     */
    void gemmPacked(boolean transA, float alpha, Tensor a, Tensor packed, float beta, Tensor c);

    // ---------------------------------------------------------------- bias

    /**
     * x[o, c, i] += b[c], reading x as [outer, C, inner] with C = b.size() and inner given:
     * inner = 1 for a dense layer's [batch, C]; inner = H·W for a convolution's [N, C, H, W].
     */
    void addBias(Tensor x, Tensor b, int inner);

    /** db[c] ← β·db[c] + Σ_{o,i} dy[o, c, i] (the bias gradient; the layout as in {@link #addBias}). */
    void sumBias(Tensor dy, Tensor db, int inner, float beta);

    /** y[b, a, s] ← x[a, b, s]: swaps the two leading axes of x read as [A, B, S] (NCHW ↔ CNHW for convolutions). */
    void swapAxes01(Tensor x, Tensor y, int a, int b, int s);

    // ---------------------------------------------------------------- activations

    /** y ← f(x) elementwise (y may alias x); f(NaN) = NaN for every activation. */
    void activation(Activation f, Tensor x, Tensor y);

    /**
     * dx ← dy ⊙ f'(x), given the forward input x and output y = f(x) (dx may alias dy); f' is NaN where x is NaN (for
     * sigmoid and tanh, which compute f' from y: where y is).
     */
    void activationBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx);

    /**
     * PReLU with learnable slopes: y = x if x > 0 else α_c·x, reading x as [outer, C, inner] with C = alpha.size()
     * (C = 1: one shared slope).
     */
    void prelu(Tensor x, Tensor alpha, Tensor y, int inner);

    /** dx ← dy ⊙ (x > 0 ? 1 : α_c);  dalpha[c] += Σ dy ⊙ (x > 0 ? 0 : x) — both NaN where x is NaN. */
    void preluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha, int inner);

    /** Row-wise softmax over the last axis: y_j = e^{x_j − max} / Σ_k e^{x_k − max}. */
    void softmax(Tensor x, Tensor y);

    /** dx_j ← y_j (dy_j − Σ_k dy_k y_k), row by row. */
    void softmaxBackward(Tensor y, Tensor dy, Tensor dx);

    // ---------------------------------------------------------------- loss (losses and metrics: they return to the host)

    /**
     * Mean softmax cross-entropy over the rows whose label ≥ 0, from logits [rows, classes] (fused and stable:
     * log-sum-exp with the row max subtracted). If {@code dlogits} is not null it receives
     * (softmax(logits) − onehot(label)) / counted rows (zero for ignored rows). Returns 0 when no row counts.
     */
    float softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits);

    /** One of the elementwise losses of {@link ElementwiseLoss}; {@code dy} (if not null) receives ∂loss/∂y. */
    float elementwiseLoss(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy);

    /**
     * Multiclass max-margin hinge (seed 002's J = max(0, Δ + s_c − s), with s the true class's score and s_c every
     * other class's): mean over rows with label ≥ 0 of Σ_{j≠label} max(0, Δ + s_j − s_label). {@code dscores}
     * (if not null) receives its gradient. A NaN margin term makes the loss NaN, and the gradients of s_j and s_label.
     */
    float hinge(Tensor scores, Tensor labels, float margin, Tensor dscores);

    /**
     * {@link #softmaxCrossEntropy} with the loss written into {@code e} (a one-element tensor) instead of returned: no
     * wait for the queue (a GPU backend computes the mean on the device; a bad label is reported by the next read).
     * The same bits as the returning form, in {@code e} and in {@code dlogits}.
     */
    void softmaxCrossEntropyInto(Tensor logits, Tensor labels, Tensor dlogits, Tensor e);

    /** {@link #elementwiseLoss} with the loss written into {@code e} (one element), as {@link #softmaxCrossEntropyInto}. */
    void elementwiseLossInto(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy, Tensor e);

    /** {@link #hinge} with the loss written into {@code e} (one element), as {@link #softmaxCrossEntropyInto}. */
    void hingeInto(Tensor scores, Tensor labels, float margin, Tensor dscores, Tensor e);

    /** How many rows with label ≥ 0 have their arg-max (first on ties; NaN counts as the largest) equal to the label. */
    int countCorrect(Tensor scores, Tensor labels);

    /**
     * count[0] += {@link #countCorrect}(scores, labels), without returning to the host: a training loop adds up its
     * hits on the device and reads them once per epoch ({@code count} is a one-element tensor).
     */
    void countCorrectInto(Tensor scores, Tensor labels, Tensor count);

    // ---------------------------------------------------------------- conv

    /**
     * Unfolds patches: x [N, C, H, W] → cols [C·kH·kW, N·outH·outW] with
     * cols[(c·kH + ky)·kW + kx, (n·outH + oy)·outW + ox] = x[n, c, oy·sH − pH + ky, ox·sW − pW + kx] (0 outside).
     */
    void im2col(Tensor x, ConvGeometry g, Tensor cols);

    /** The adjoint of im2col: dx ← 0, then every column entry is added back to the input pixel it came from. */
    void col2im(Tensor cols, ConvGeometry g, Tensor dx);

    /**
     * The convolution itself (seeds 002–004), for the kernel bank w [C_out, C, kH, kW] (any shape of that size) and the
     * bias b [C_out] (null: none), y [N, C_out, outH, outW]:
     * <pre>
     *   net[n, o, oy, ox] = b[o] + Σ_{c, ky, kx} W[o, c, ky, kx] · x[n, c, oy·sH − pH + ky, ox·sW − pW + kx]   (0 outside)
     * </pre>
     * The same numbers as {@link #im2col}, a GEMM with W read as [C_out, C·kH·kW], the swap to NCHW and
     * {@link #addBias}, up to the order of the sums; a backend may compute it that way or sample by sample in cache.
     */
    void conv2d(Tensor x, Tensor w, Tensor b, ConvGeometry g, Tensor y);

    /**
     * The backward pass of {@link #conv2d} for δ = ∂E/∂net, dy [N, C_out, outH, outW]:
     * <pre>
     *   ∂E/∂W[o, c, ky, kx] += Σ_{n, oy, ox} δ[n, o, oy, ox] · x[n, c, oy·sH − pH + ky, ox·sW − pW + kx]   (dw; null: W frozen)
     *   ∂E/∂b[o]            += Σ_{n, oy, ox} δ[n, o, oy, ox]                                           (db; null: no bias)
     *   ∂E/∂x[n, c, iy, ix]  = Σ over the windows that saw the pixel of W · δ                        (dx; null: not wanted)
     * </pre>
     * dw and db accumulate (+=), as the other ops' parameter gradients do; dx is overwritten.
     */
    void conv2dBackward(Tensor x, Tensor w, Tensor dy, ConvGeometry g, Tensor dw, Tensor db, Tensor dx);

    // ---------------------------------------------------------------- pool

    /**
     * Max pooling: y[n, c, oy, ox] = max over the window (padding counts as −∞); {@code argmax} receives, per output,
     * the index iy·W + ix of the winning input pixel inside its (n, c) plane (first maximum in row-major order). NaN
     * counts as larger than any number, so a window holding a NaN gives NaN (and routes its gradient to that pixel).
     */
    void maxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax);

    /**
     * dx ← 0, then each dy is added to the input pixel its window's arg-max names. An arg-max that is not a pixel of its
     * own window (not {@link #maxPool}'s output) is an error: the heap backends throw; the OpenCL backend, which cannot
     * throw from a queued kernel, makes that window's input gradient NaN (which the trainer then reports).
     */
    void maxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx);

    /** Average pooling: y = (1 / (kH·kW)) Σ window, padding counted as zeros (PyTorch's count_include_pad = true). */
    void avgPool(Tensor x, ConvGeometry g, Tensor y);

    /** dx ← 0, then each dy / (kH·kW) is spread evenly over its window. */
    void avgPoolBackward(Tensor dy, ConvGeometry g, Tensor dx);

    // ---------------------------------------------------------------- embed

    /**
     * out[r, :] ← table[idx[r], :] for a table [V, D]; an index that is not a whole number in [0, V) (NaN, 2.7, −1, V) is
     * an {@link InvalidIndexException} naming the first such value and its position, on every backend.
     */
    void gatherRows(Tensor table, Tensor idx, Tensor out);

    /** dtable[idx[r], :] += dout[r, :] for every r; a negative whole number (padding) is skipped, any other non-index refused. */
    void scatterAddRows(Tensor dout, Tensor idx, Tensor dtable);

    // ---------------------------------------------------------------- recurrent

    /**
     * One LSTM step for a batch, gates in PyTorch's order (i, f, g, o), H = cPrev.dim(-1).
     * In: {@code gates} [B, 4H] holds the pre-activations a = W·x_t + U·h_{t−1} + b; {@code peep} is null or [3, H]
     * (peepholes p_i, p_f, p_o of seed 003). Out: gates are overwritten with the activations
     * i = σ(a_i + p_i⊙c_{t−1}), f = σ(a_f + p_f⊙c_{t−1}), g = tanh(a_g), o = σ(a_o + p_o⊙c_t);
     * c ← f⊙c_{t−1} + i⊙g;  tanhC ← tanh(c);  h ← o⊙tanh(c).
     */
    void lstmCell(Tensor gates, Tensor cPrev, Tensor peep, Tensor c, Tensor tanhC, Tensor h);

    /**
     * Backward of {@link #lstmCell}. In: the saved activations {@code acts} [B, 4H], c_{t−1}, c_t, tanh(c_t),
     * peep (or null), ∂L/∂h_t in {@code dh}, ∂L/∂c_t flowing back from step t+1 in {@code dc}.
     * Out: {@code dgates} [B, 4H] ← ∂L/∂a (pre-activations); {@code dc} ← ∂L/∂c_{t−1} = ∂L/∂c_t ⊙ f (+ peephole terms) —
     * the cell path has no matrix product; {@code dpeep} (if peep is not null) += the peephole gradients.
     */
    void lstmCellBackward(Tensor acts, Tensor cPrev, Tensor c, Tensor tanhC, Tensor peep,
                          Tensor dh, Tensor dc, Tensor dgates, Tensor dpeep);

    /**
     * One GRU step in PyTorch's formulation, gates in order (r, z, n), H = hPrev.dim(-1):
     * {@code gx} [B, 3H] = W_i·x_t + b_i, {@code gh} [B, 3H] = W_h·h_{t−1} + b_h;
     * r = σ(gx_r + gh_r), z = σ(gx_z + gh_z), n = tanh(gx_n + r⊙gh_n), h ← (1 − z)⊙n + z⊙h_{t−1}.
     * {@code acts} [B, 3H] receives (r, z, n) for the backward pass.
     */
    void gruCell(Tensor gx, Tensor gh, Tensor hPrev, Tensor h, Tensor acts);

    /**
     * Backward of {@link #gruCell}: from ∂L/∂h_t ({@code dh}) computes dgx ← ∂L/∂gx, dgh ← ∂L/∂gh and
     * dhPrev ← ∂L/∂h_t ⊙ z (the direct path; the caller adds dgh·W_h for the path through the gates).
     */
    void gruCellBackward(Tensor acts, Tensor gh, Tensor hPrev, Tensor dh, Tensor dgx, Tensor dgh, Tensor dhPrev);

    // ---------------------------------------------------------------- optim (PyTorch's exact formulas)

    /**
     * SGD with optional momentum μ, Nesterov and L2 weight decay λ: g' = g + λw; if μ ≠ 0: v ← μv + g', and a v
     * below the smallest normal float (|v| < 2⁻¹²⁶ ≈ 1.18e−38, a subnormal) becomes 0; step = Nesterov ? g' + μv : v;
     * else step = g'; w ← w − η·step. {@code v} may be null when μ = 0.
     *
     * <p>The flush is part of the specification, so every backend gives the same bits: the velocity of a unit whose
     * gradient stays 0 decays geometrically (v ← μv) into the subnormal range, where x86 arithmetic takes a microcode
     * assist of ~100 cycles per operation — in a ReLU MLP ~9 % of the velocities sat there, and the update became a
     * third of a training step. PyTorch keeps the subnormal (unless {@code torch.set_flush_denormal(True)}); the
     * weights differ from it by less than 2⁻¹²⁶·η per step.
     */
    void sgdStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, boolean nesterov, float weightDecay);

    /** Adagrad: g' = g + λw; G ← G + g'²; w ← w − η·g'/(√G + ε). */
    void adagradStep(Tensor w, Tensor g, Tensor sumSq, float lr, float eps, float weightDecay);

    /** RMSProp: g' = g + λw; s ← ρs + (1 − ρ)g'²; w ← w − η·g'/(√s + ε). */
    void rmspropStep(Tensor w, Tensor g, Tensor sqAvg, float lr, float rho, float eps, float weightDecay);

    /**
     * Adadelta: g' = g + λw; s ← ρs + (1 − ρ)g'²; Δ = √(u + ε)/√(s + ε) · g'; u ← ρu + (1 − ρ)Δ²; w ← w − η·Δ.
     */
    void adadeltaStep(Tensor w, Tensor g, Tensor sqAvg, Tensor accDelta, float lr, float rho, float eps, float weightDecay);

    /**
     * Adam at step t ≥ 1: g' = g + λw; m ← β₁m + (1 − β₁)g'; v ← β₂v + (1 − β₂)g'²;
     * w ← w − (η/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε).
     */
    void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int t);
}
