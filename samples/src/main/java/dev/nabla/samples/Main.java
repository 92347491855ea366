package dev.nabla.samples;

import java.util.Arrays;

/** The {@code nabla} command line: {@code nabla <sample> [options]}; {@code nabla help} lists the samples. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            System.out.println("""
                    usage: nabla <command> [options]
                      xor        an MLP learns XOR, which a perceptron cannot (seed 002)   [--backend ref|cpu|opencl|auto]
                      lenet      LeNet-5 on real digits or clothes (seeds 002-004)   [--data mnist|fashion --epochs N --batch N --limit N]
                      spirals    two interleaved spirals: a perceptron fails, an MLP reaches ~100%   [--epochs N --every N]
                      gradient-flow  ‖∂L/∂h_k‖ back through time: vanilla RNN (small/large W) vs LSTM (forget bias 1/3)   [--steps 60]
                      char-lstm  a character-level LSTM language model on Debian's fortunes, then sampled text   [--steps 600 --hidden 64 --temperature T]
                      caption    CNN+LSTM captioning: strips of 2-4 real MNIST digits get their words ("seven two one")   [--epochs 6 --strips 6000]
                      window     seed 002's window classifier: J = max(0, 1 + s_c − s) ranks true 5-word windows of real text above corrupted ones   [--epochs 30]
                      teacher-forcing  seed 003: an output-recurrence RNN trained teacher-forced vs free-running, and a hidden-recurrence RNN, on the character task   [--steps 1500]
                      fortune-topic  many-to-one: an LSTM reads a fortune and names its collection (computers, food, law, …) vs the majority class   [--epochs 20]
                      pretrain   seed 002: a deep sigmoid MLP pretrained layer by layer as autoencoders, then fine-tuned, vs random initialisation   [--hidden 500,500,500,500 --pretrain-epochs 2 --epochs 4]
                      tiled      seed 003: the first layer as a convolution, a tiled convolution (tile 2, 4) or a locally connected layer   [--epochs 3 --tiles 2,4]
                      eval FILE  accuracy and confusion matrix of a model a sample saved, on that sample's held-out data
                      playground a page on 127.0.0.1 to train small networks on XOR, circles, spirals and watch them learn   [--port 8765]
                    common options: --backend NAME, --seed N, --epochs N; every sample: --load FILE (then train on, or with
                      --epochs 0 / --steps 0 only evaluate) and --save FILE (a safetensors file PyTorch reads)""");
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "xor" -> XorSample.main(rest);
            case "lenet" -> LeNetSample.main(rest);
            case "spirals" -> SpiralsSample.main(rest);
            case "gradient-flow" -> GradientFlowSample.main(rest);
            case "char-lstm" -> CharLstmSample.main(rest);
            case "fortune-topic" -> FortuneTopicSample.main(rest);
            case "caption" -> CaptionSample.main(rest);
            case "window" -> WindowSample.main(rest);
            case "teacher-forcing" -> TeacherForcingSample.main(rest);
            case "pretrain" -> PretrainSample.main(rest);
            case "tiled" -> TiledSample.main(rest);
            case "eval" -> EvalCommand.main(rest);
            case "playground" -> dev.nabla.samples.playground.Playground.main(rest);
            default -> {
                System.err.println("unknown command '" + args[0] + "' (try: nabla help)");
                System.exit(2);
            }
        }
    }
}
