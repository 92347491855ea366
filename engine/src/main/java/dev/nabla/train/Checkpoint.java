package dev.nabla.train;

import dev.nabla.io.Json;
import dev.nabla.io.ModelFile;
import dev.nabla.io.ModelFileException;
import dev.nabla.io.SafeTensors;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.StateDict;
import dev.nabla.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training run as a file, to resume it bit for bit: the model's tensors ({@code model.} + its state-dict names), every
 * optimizer slot of every parameter ({@code optimizer.i.slot0}, …; a frozen parameter has none, and the indices of the
 * frozen ones are recorded: a resumed run must freeze the same), the optimizer's own state (Adam's t per
 * parameter), the epoch, the step, the data order of the epoch in progress and the position in it, the sums the epoch's
 * figures are made of, the random state (the trainer's seed, whose shuffles are replayed, and each dropout layer's
 * mask counter) — in the safetensors layout of {@link ModelFile}, written atomically. {@link Trainer#checkpoint} writes
 * them, {@link Trainer#resumeFrom} reads one.
 */
public final class Checkpoint {
    private Checkpoint() {}

    static final String KEY = "nabla.checkpoint";

    /** Where a run stood: everything the trainer needs besides the model and the optimizer. */
    record Progress(long seed, int batchSize, int samples, boolean shuffle, int completedEpochs, long step, int position,
                    int[] order, double lossSum, long correct, long counted, long seen, float bestVal, int sinceBest) {}

    static void save(Path file, Sequential model, Optimizer optimizer, Progress p) throws IOException {
        List<Param> params = model.params();
        StateDict sd = new StateDict().putAll("model.", model.stateDict());
        for (int i = 0; i < params.size(); i++) {
            Param q = params.get(i);
            for (int k = 0; k < Param.SLOTS; k++) if (q.hasSlot(k)) sd.put("optimizer." + i + ".slot" + k, q.slot(k).shape(), q.slot(k).toArray());
        }
        float[] order = new float[p.order.length];
        for (int i = 0; i < order.length; i++) order[i] = p.order[i];               // exact: indices < 2^24
        sd.put("trainer.order", new int[] {order.length}, order);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("seed", Long.toString(p.seed));
        state.put("batchSize", p.batchSize);
        state.put("samples", p.samples);
        state.put("shuffle", p.shuffle);
        state.put("completedEpochs", p.completedEpochs);
        state.put("step", p.step);
        state.put("position", p.position);
        state.put("lossSum", p.lossSum);
        state.put("correct", p.correct);
        state.put("counted", p.counted);
        state.put("seen", p.seen);
        state.put("bestVal", Float.isFinite(p.bestVal) ? Float.toString(p.bestVal) : "Infinity");
        state.put("sinceBest", p.sinceBest);
        state.put("frozen", frozen(params));
        state.put("optimizer", optimizer.name());
        state.put("optimizerState", new LinkedHashMap<>(optimizer.state(params)));
        Map<String, Object> run = new LinkedHashMap<>();
        collectRunState(model, "", run);
        state.put("runState", run);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(KEY, Json.write(state));
        ModelFile.save(new Wrapped(model, sd), file, meta);
    }

    /**
     * Reads a checkpoint into {@code model} and {@code optimizer}, all or nothing: the file is checked whole (its
     * architecture is the model's, every tensor there with its shape) before anything is set.
     */
    @SuppressWarnings("unchecked")
    static Progress load(Path file, Sequential model, Optimizer optimizer) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        String json = c.metadata().get(KEY);
        if (json == null) throw new ModelFileException(file, "not a checkpoint (no " + KEY + " in its metadata): a model file? load it with ModelFile.load");
        Map<String, Object> s;
        try {
            s = (Map<String, Object>) Json.parse(json);
        } catch (RuntimeException e) {
            throw new ModelFileException(file, "the checkpoint state is not valid JSON: " + e.getMessage());
        }
        List<Param> params = model.params();
        // what the file must hold: the model's tensors, each parameter's slots as recorded, the order
        StateDict expected = new StateDict().putAll("model.", model.stateDict());
        for (String name : c.tensors().keySet()) {
            if (name.startsWith("optimizer.")) {
                String[] parts = name.split("\\.");
                int i;
                try {
                    i = Integer.parseInt(parts[1]);
                } catch (RuntimeException e) {
                    throw new ModelFileException(file, name, "not an optimizer slot name (optimizer.i.slotK)");
                }
                if (parts.length != 3 || i < 0 || i >= params.size() || !parts[2].matches("slot[01]")) {
                    throw new ModelFileException(file, name, "no such optimizer slot in a model of " + params.size() + " parameters");
                }
                expected.put(name, params.get(i).value().shape(), new float[params.get(i).size()]);
            }
        }
        SafeTensors.Info order = c.tensors().get("trainer.order");
        if (order == null) throw new ModelFileException(file, "trainer.order", "missing");
        expected.put("trainer.order", order.shape(), new float[Math.max(0, order.shape().length == 1 ? order.shape()[0] : -1)]);
        StateDict sd;
        try {
            sd = checkAgainst(file, model, expected, c);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage());
        }
        Progress p;
        try {
            float[] ord = sd.get("trainer.order").values();
            int[] o = new int[ord.length];
            for (int i = 0; i < o.length; i++) o[i] = (int) ord[i];
            p = new Progress(Long.parseLong((String) s.get("seed")), num(s, "batchSize"), num(s, "samples"), (Boolean) s.get("shuffle"),
                    num(s, "completedEpochs"), ((Number) s.get("step")).longValue(), num(s, "position"), o,
                    ((Number) s.get("lossSum")).doubleValue(), ((Number) s.get("correct")).longValue(), ((Number) s.get("counted")).longValue(),
                    ((Number) s.get("seen")).longValue(), Float.parseFloat((String) s.get("bestVal")), num(s, "sinceBest"));
        } catch (RuntimeException e) {
            throw new ModelFileException(file, "the checkpoint state is incomplete or malformed: " + e);
        }
        Object wasFrozen = s.getOrDefault("frozen", List.of());                  // files from before freezing existed: none
        List<Integer> recorded = new ArrayList<>();
        if (wasFrozen instanceof List<?> l) for (Object o : l) if (o instanceof Number v) recorded.add(v.intValue());
        if (!recorded.equals(frozen(params))) {
            throw new ModelFileException(file, "written by a run with the parameters " + recorded + " frozen, resumed with " + frozen(params)
                    + " frozen (of " + params.size() + "): freeze the same layers as the run did");
        }
        String opt = (String) s.get("optimizer");
        if (!optimizer.name().equals(opt)) {
            throw new ModelFileException(file, "written by a run with " + opt + ", resumed with " + optimizer.name());
        }
        // everything checked: now set the model, the slots, the optimizer and the dropout counters
        model.loadStateDict(sd.sub("model."));
        for (int i = 0; i < params.size(); i++) {
            Param q = params.get(i);
            for (int k = 0; k < Param.SLOTS; k++) {
                String n = "optimizer." + i + ".slot" + k;
                if (sd.contains(n)) q.slot(k).backend().upload(sd.get(n).values(), 0, q.slot(k));
                else if (q.hasSlot(k)) q.slot(k).backend().fill(q.slot(k), 0f);
            }
        }
        Map<String, String> os = new LinkedHashMap<>();
        ((Map<String, Object>) s.getOrDefault("optimizerState", Map.of())).forEach((k, v) -> os.put(k, String.valueOf(v)));
        optimizer.restoreState(params, os);
        restoreRunState(model, "", (Map<String, Object>) s.getOrDefault("runState", Map.of()));
        return p;
    }

    private static StateDict checkAgainst(Path file, Sequential model, StateDict expected, SafeTensors.Contents c) throws ModelFileException {
        return ModelFile.check(new Wrapped(model, expected), c);
    }

    private static int num(Map<String, Object> s, String k) { return ((Number) s.get(k)).intValue(); }

    /** The indices (in {@code params}) of the frozen parameters: they have no optimizer slots, and a resumed run must freeze them too. */
    private static List<Integer> frozen(List<Param> params) {
        List<Integer> f = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) if (params.get(i).frozen()) f.add(i);
        return f;
    }

    private static void collectRunState(Layer l, String path, Map<String, Object> out) {
        if (!l.runState().isEmpty()) out.put(path.isEmpty() ? "/" : path, new LinkedHashMap<>(l.runState()));
        List<Layer> ch = l.children();
        for (int i = 0; i < ch.size(); i++) collectRunState(ch.get(i), path + "/" + i, out);
    }

    @SuppressWarnings("unchecked")
    private static void restoreRunState(Layer l, String path, Map<String, Object> in) {
        Object s = in.get(path.isEmpty() ? "/" : path);
        if (s instanceof Map<?, ?> m) {
            Map<String, String> st = new LinkedHashMap<>();
            ((Map<String, Object>) m).forEach((k, v) -> st.put(k, String.valueOf(v)));
            l.restoreRunState(st);
        }
        List<Layer> ch = l.children();
        for (int i = 0; i < ch.size(); i++) restoreRunState(ch.get(i), path + "/" + i, in);
    }

    /** The model's architecture with a checkpoint's tensors: what ModelFile writes and checks. */
    private record Wrapped(Sequential model, StateDict tensors) implements Layer {
        @Override public void bind(dev.nabla.backend.Backend ops, java.util.random.RandomGenerator rng) {}
        @Override public int[] outputShape(int[] s) { return model.outputShape(s); }
        @Override public dev.nabla.backend.Tensor forward(dev.nabla.backend.Tensor x, boolean t) { throw new UnsupportedOperationException(); }
        @Override public dev.nabla.backend.Tensor backward(dev.nabla.backend.Tensor d) { throw new UnsupportedOperationException(); }
        @Override public Map<String, Object> spec() { return model.spec(); }
        @Override public StateDict stateDict() { return tensors; }
        @Override public String name() { return model.name(); }
    }

    @Override
    public String toString() { return "Checkpoint"; }

    static String describe(Progress p) {
        return "epoch " + p.completedEpochs + (p.position > 0 ? " + " + p.position + " samples" : "") + ", step " + p.step
                + ", order of " + Arrays.stream(p.order).count() + " samples";
    }
}
