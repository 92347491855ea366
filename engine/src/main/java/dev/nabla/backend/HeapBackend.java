package dev.nabla.backend;

/**
 * A backend whose tensors live in heap {@code float[]} arrays (the reference and the CPU backend): the memory
 * section of {@link Backend} once, {@link #gatherRows} (pure row copies), and {@link #data} to reach a tensor's array.
 */
public abstract class HeapBackend extends CheckedBackend {

    @Override
    protected Tensor doZeros(int[] shape) {
        return new Tensor(this, new float[Tensor.sizeOf(shape)], shape);
    }

    @Override
    protected void doUpload(float[] src, int srcOffset, Tensor dst) {
        System.arraycopy(src, srcOffset, data(dst), dst.offset(), dst.size());
    }

    @Override
    protected void doDownload(Tensor src, float[] dst) {
        System.arraycopy(data(src), src.offset(), dst, 0, src.size());
    }

    @Override
    protected void doRelease(Tensor t) {
        // heap storage: the garbage collector reclaims it
    }

    /** count[0] += the hits, on the heap: nothing to defer. */
    @Override
    protected void doCountCorrectInto(Tensor scores, Tensor labels, Tensor count) {
        data(count)[count.offset()] += doCountCorrect(scores, labels);
    }

    /** out[r, :] ← table[idx[r], :]: row copies out of the heap arrays, the same for every heap backend. */
    @Override
    protected void doGatherRows(Tensor table, Tensor idx, Tensor out) {
        int v = Checks.rows(table), d = Checks.cols(table);
        float[] td = data(table), id = data(idx), od = data(out);
        for (int r = 0; r < idx.size(); r++) {
            int row = Checks.rowIndex("gatherRows", id[idx.offset() + r], r, v);   // NaN, 2.7, −1, V: an error
            System.arraycopy(td, table.offset() + row * d, od, out.offset() + r * d, d);
        }
    }

    /** The float[] behind a tensor of this backend (for subclasses and tests; the ops checked ownership already). */
    protected float[] data(Tensor t) {
        return (float[]) t.storage();
    }
}
