package dev.nabla.samples;

import dev.nabla.data.Idx;
import dev.nabla.data.Split;
import dev.nabla.train.Dataset;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The 28×28 grey-scale image sets of the samples, as a training set and a test set that never share an image:
 * <ul>
 *   <li>{@code mnist}: the 10,000 real MNIST digits bundled in this module (resources dev/nabla/data/mnist, see its
 *       README), split once by a seeded hold-out into 8,000 for training and 2,000 held out for testing;</li>
 *   <li>{@code fashion}: Fashion-MNIST's own 60,000/10,000 train/test files, read from Debian's
 *       {@code dataset-fashion-mnist} directory (/usr/share/datasets/fashion-mnist) or a directory given.</li>
 * </ul>
 */
public record DigitData(String name, Dataset train, Dataset test, List<String> classes) {

    /** Where Debian's dataset-fashion-mnist package installs the files. */
    public static final Path FASHION_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int MNIST_HELD_OUT = 2000;
    public static final long MNIST_SPLIT_SEED = 2015;
    private static final String MNIST_RESOURCE = "/dev/nabla/data/mnist/mnist-10k-";

    /** Loads "mnist" or "fashion"; {@code dir} overrides the Fashion-MNIST directory (null for the default). */
    public static DigitData load(String name, Path dir) {
        return switch (name) {
            case "mnist" -> mnist();
            case "fashion" -> fashion(dir == null ? FASHION_DIR : dir);
            default -> throw new IllegalArgumentException("unknown data set '" + name + "': choose mnist (bundled) or fashion");
        };
    }

    private static Dataset bundled;

    /** All 10,000 bundled MNIST digits, in file order (read once, then shared: nobody writes into a Dataset's arrays). */
    public static synchronized Dataset bundledMnist() {
        if (bundled == null) {
            bundled = Idx.images(resource(MNIST_RESOURCE + "images-idx3-ubyte.gz"), resource(MNIST_RESOURCE + "labels-idx1-ubyte.gz"));
        }
        return bundled;
    }

    /** The fixed split of the bundled digits: which indices train and which are held out. */
    public static Split mnistSplit(int n) { return Split.holdOut(n, MNIST_HELD_OUT, MNIST_SPLIT_SEED); }

    public static DigitData mnist() {
        Dataset all = bundledMnist();
        Split s = mnistSplit(all.size());
        return new DigitData("MNIST (bundled 10k subset)", s.train(all), s.test(all),
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
    }

    private static final String[] FASHION_FILES = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

    /** Null if {@code dir} holds the four Fashion-MNIST files, else what is missing and how to get it. */
    static String fashionMissing(Path dir) {
        for (String f : FASHION_FILES) {
            if (!Files.isReadable(dir.resolve(f))) {
                return "Fashion-MNIST not found: " + dir.resolve(f) + " is missing. Install Debian's package (apt-get install "
                        + "dataset-fashion-mnist, which puts " + String.join(", ", FASHION_FILES) + " in " + FASHION_DIR
                        + ") or pass --data-dir DIR holding those four files.";
            }
        }
        return null;
    }

    public static DigitData fashion(Path dir) {
        String[] files = FASHION_FILES;
        String missing = fashionMissing(dir);
        if (missing != null) throw new IllegalStateException(missing);
        return new DigitData("Fashion-MNIST (" + dir + ")", Idx.images(dir.resolve(files[0]), dir.resolve(files[1])),
                Idx.images(dir.resolve(files[2]), dir.resolve(files[3])),
                List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"));
    }

    private static Idx.Array resource(String path) {
        InputStream in = DigitData.class.getResourceAsStream(path);
        if (in == null) throw new IllegalStateException("the bundled MNIST subset is missing from the class path: " + path);
        return Idx.read(in, "resource " + path);
    }
}
