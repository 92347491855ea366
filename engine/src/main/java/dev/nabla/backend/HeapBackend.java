package dev.nabla.backend;

import java.util.Arrays;

/**
 * A backend whose tensors live in heap {@code float[]} arrays (the reference and the CPU backend): the memory
 * section of {@link Backend} once, {@link #gatherRows} (pure row copies), and {@link #data} to reach a tensor's array.
 */
public abstract class HeapBackend implements Backend {

    @Override
    public Tensor zeros(int... shape) {
        return new Tensor(this, new float[Tensor.sizeOf(shape)], shape);
    }

    @Override
    public Tensor upload(float[] data, int... shape) {
        if (data.length != Tensor.sizeOf(shape)) {
            throw new IllegalArgumentException(data.length + " values do not fill shape " + Arrays.toString(shape));
        }
        return new Tensor(this, data.clone(), shape);
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        System.arraycopy(src, srcOffset, data(dst), dst.offset(), dst.size());
    }

    @Override
    public void download(Tensor src, float[] dst) {
        System.arraycopy(data(src), src.offset(), dst, 0, src.size());
    }

    @Override
    public void release(Tensor t) {
        // heap storage: the garbage collector reclaims it
    }

    /** out[r, :] ← table[idx[r], :]: row copies out of the heap arrays, the same for every heap backend. */
    @Override
    public void gatherRows(Tensor table, Tensor idx, Tensor out) {
        int v = Checks.rows(table), d = Checks.cols(table);
        Checks.tableRows("gatherRows", idx, table, out, "an output");
        float[] td = data(table), id = data(idx), od = data(out);
        for (int r = 0; r < idx.size(); r++) {
            int row = (int) id[idx.offset() + r];
            if (row < 0 || row >= v) throw Checks.badIndex("gatherRows", row, v);
            System.arraycopy(td, table.offset() + row * d, od, out.offset() + r * d, d);
        }
    }

    /** The float[] behind a tensor of this backend (for subclasses and tests). */
    protected float[] data(Tensor t) {
        if (t.backend() != this) {
            throw new IllegalArgumentException(t + " belongs to backend '" + t.backend().name() + "', not '" + name() + "'");
        }
        return (float[]) t.storage();
    }
}
