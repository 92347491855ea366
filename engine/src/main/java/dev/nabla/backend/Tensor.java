package dev.nabla.backend;

import java.util.Arrays;

/**
 * A dense float32 tensor: a shape and a contiguous range of a storage owned by one {@link Backend}
 * ({@code float[]} for the reference and CPU backends, a device buffer for GPU backends).
 *
 * <p>Layers never reach into the storage: they call backend ops, so a GPU tensor stays on the GPU.
 * A tensor may be a <em>view</em> of another (same storage, an element offset and a new shape), which is how
 * a recurrent layer addresses time step t of a [T, B, H] buffer without copying.
 */
public final class Tensor implements AutoCloseable {
    private final Backend backend;
    private final Object storage;
    private final int offset;
    private final int[] shape;
    private final int size;
    private final boolean owner;
    /** The owning tensor whose storage this one addresses (itself for an owner): it knows whether the storage was released. */
    private final Tensor root;
    private boolean closed;

    /** For backends: wraps {@code storage} (owned by this tensor) with the given shape. */
    public Tensor(Backend backend, Object storage, int... shape) {
        this(nonNull(backend, "backend"), nonNull(storage, "storage"), 0, shape, null);
    }

    private static <T> T nonNull(T v, String what) {
        if (v == null) throw new IllegalArgumentException("Tensor: the " + what + " is null");
        return v;
    }

    private Tensor(Backend backend, Object storage, int offset, int[] shape, Tensor root) {
        this.backend = backend;
        this.storage = storage;
        this.offset = offset;
        this.shape = shape.clone();
        this.size = sizeOf(this.shape);
        this.owner = root == null;
        this.root = root == null ? this : root;
    }

    /** The number of elements a shape holds; every extent must be ≥ 0. */
    public static int sizeOf(int... shape) {
        if (shape == null) throw new IllegalArgumentException("the shape is null");
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative extent in shape " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds more than 2^31-1 elements");
        }
        return (int) n;
    }

    public Backend backend() { return backend; }

    /** For backends: the storage object this tensor addresses (float[] or a device buffer). */
    public Object storage() { return storage; }

    /** For backends: the index of this tensor's first element in {@link #storage()}. */
    public int offset() { return offset; }

    public int[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    /** Extent of axis {@code axis}; negative axes count from the end. */
    public int dim(int axis) {
        int a = axis < 0 ? shape.length + axis : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("dim(" + axis + "): a tensor of rank " + shape.length + " " + shapeString()
                    + " has axes 0.." + (shape.length - 1) + " (or −1..−" + shape.length + " from the end)");
        }
        return shape[a];
    }

    public int size() { return size; }

    /** Same storage, new shape with the same number of elements. */
    public Tensor reshape(int... newShape) {
        if (sizeOf(newShape) != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " (" + size + " elements) to "
                    + Arrays.toString(newShape) + " (" + sizeOf(newShape) + " elements)");
        }
        return new Tensor(backend, storage, offset, newShape, root);
    }

    /**
     * A contiguous view: {@code sizeOf(newShape)} elements starting {@code start} elements into this tensor.
     * E.g. time step t of a [T, B, H] tensor is {@code view(t * B * H, B, H)}.
     */
    public Tensor view(int start, int... newShape) {
        int n = sizeOf(newShape);
        if (start < 0 || (long) start + n > size) {
            throw new IllegalArgumentException("view of " + n + " elements at " + start + " does not fit in " + Arrays.toString(shape)
                    + " (" + size + " elements)");
        }
        return new Tensor(backend, storage, offset + start, newShape, root);
    }

    /** Row {@code i} of the first axis, as a view with the remaining axes. */
    public Tensor slice(int i) {
        if (shape.length == 0) throw new IllegalArgumentException("cannot slice a scalar");
        if (i < 0 || i >= shape[0]) throw new IllegalArgumentException("slice(" + i + "): not a row of " + Arrays.toString(shape));
        int[] rest = Arrays.copyOfRange(shape, 1, shape.length);
        int n = sizeOf(rest);
        return new Tensor(backend, storage, offset + i * n, rest, root);
    }

    /** Copies the elements to a new host array (a download for GPU backends). */
    public float[] toArray() { return backend.download(this); }

    /** The single element of a one-element tensor. */
    public float item() {
        if (size != 1) throw new IllegalStateException("item() needs one element, tensor has shape " + Arrays.toString(shape));
        return toArray()[0];
    }

    public String shapeString() { return Arrays.toString(shape); }

    /**
     * Releases the storage (to the backend's pool), once; views release nothing. Afterwards every op refuses this
     * tensor and its views: on a GPU backend the storage may already hold another tensor's data.
     */
    @Override
    public void close() {
        if (!owner || closed) return;
        closed = true;
        backend.release(this);
    }

    /** True once the owning tensor (this one, or the one this is a view of) was closed. */
    public boolean isClosed() { return root.closed; }

    /**
     * Closes every non-null tensor given: how a layer drops the workspaces of the previous batch shape before it
     * allocates new ones, so that a GPU backend's pool gets the buffers back at once instead of when the GC notices.
     */
    public static void closeAll(Tensor... tensors) {
        if (tensors == null) return;
        for (Tensor t : tensors) if (t != null) t.close();
    }

    /**
     * A layer's workspace of the given shape: {@code old} itself when it already has that shape, else a new zero
     * tensor from {@code ops}, after {@code old} (if any) went back to the backend — so a training step allocates
     * nothing, and a new batch shape does not leave the previous buffers to the GC.
     */
    public static Tensor reuse(Tensor old, Backend ops, int... shape) {
        if (ops == null) throw new IllegalArgumentException("Tensor.reuse: the backend is null");
        if (old != null && Arrays.equals(old.shape, shape) && old.backend == ops && !old.isClosed()) return old;
        closeAll(old);
        return ops.zeros(shape);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + "@" + backend.name();
    }
}
