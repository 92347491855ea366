package dev.nabla.cpu;

import dev.nabla.backend.Backend;
import dev.nabla.dist.DataParallelContract;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.LstmLanguageModel;
import java.util.ArrayList;
import java.util.List;

/** {@link DataParallelContract} on the CPU backend, with LeNet-5 and an LSTM language model besides the contract's models. */
class CpuDataParallelTest extends DataParallelContract {
    @Override
    protected Backend backend() { return new CpuBackend(); }

    @Override
    protected List<Model> models() {
        List<Model> all = new ArrayList<>(super.models());
        all.add(new Model("LeNet-5", () -> new Sequential(new Conv2d(1, 6, 5).padding(2), ActivationLayer.relu(), new MaxPool2d(2),
                new Conv2d(6, 16, 5), ActivationLayer.relu(), new MaxPool2d(2), new Flatten(), new Dense(400, 120), ActivationLayer.relu(),
                new Dense(120, 84), ActivationLayer.relu(), new Dense(84, 10)), new int[] {1, 28, 28}, 10, 10));
        // an LSTM language model: embedding 12 → LSTM 16 → a dense head at every one of 6 steps, over 9 symbols
        all.add(Model.sequence("LSTM LM", () -> LstmLanguageModel.create(9, 12, 16, 2, 1f), 6, 9, 10));
        return all;
    }
}
