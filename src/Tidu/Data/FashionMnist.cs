namespace Tidu.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017; torchvision.datasets.FashionMNIST): 28×28 grey images of
/// clothing in 10 classes, 60,000 for training and 10,000 for testing, read from the four IDX files of the
/// original distribution.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where the Debian/Ubuntu package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The shell command that installs the dataset on Debian or Ubuntu.</summary>
    public const string InstallCommand = "apt-get install dataset-fashion-mnist";

    /// <summary>The class names, by label (0 is "T-shirt/top", 9 is "Ankle boot").</summary>
    public static IReadOnlyList<string> Classes { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly string[] Stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>
    /// Loads the training and test sets: inputs Float32 [N, 1, 28, 28] in [0, 1], targets Int64 class
    /// indices [N] in 0..9. Files are looked up in <paramref name="directory"/> (or its torchvision-style
    /// <c>FashionMNIST/raw</c> subfolder), else in <see cref="DefaultDirectory"/>, as
    /// <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c> and
    /// <c>t10k-labels-idx1-ubyte</c>, each optionally gzipped (<c>.gz</c>) or with a dot before <c>idx</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message says how to install the dataset.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, or the counts, image size or labels are not Fashion-MNIST's.</exception>
    public static (TensorDataset Train, TensorDataset Test) Load(string? directory = null)
    {
        var files = Find(directory, out var missing);
        if (files is null)
        {
            string where = directory ?? DefaultDirectory;
            throw new FileNotFoundException(
                $"Fashion-MNIST not found in '{where}' (missing {string.Join(", ", missing)}, plain or .gz). " +
                $"Install it with `sudo {InstallCommand}` (files go to {DefaultDirectory}), " +
                "or pass --data DIR with a folder holding the four IDX files from https://github.com/zalandoresearch/fashion-mnist.",
                Path.Combine(where, missing[0]));
        }
        return (Split(files[0], files[1], 60000), Split(files[2], files[3], 10000));
    }

    /// <summary>True when all four files can be found (in <paramref name="directory"/>, else <see cref="DefaultDirectory"/>).</summary>
    public static bool IsAvailable(string? directory = null) => Find(directory, out _) is not null;

    private static string[]? Find(string? directory, out List<string> missing)
    {
        string root = directory ?? DefaultDirectory;
        string[] folders = [root, Path.Combine(root, "FashionMNIST", "raw")];
        var found = new string[Stems.Length];
        missing = [];
        for (int i = 0; i < Stems.Length; i++)
        {
            string stem = Stems[i];
            string dotted = stem.Replace("-idx", ".idx", StringComparison.Ordinal);
            string[] names = [stem, stem + ".gz", dotted, dotted + ".gz"];
            found[i] = folders.SelectMany(f => names.Select(n => Path.Combine(f, n))).FirstOrDefault(File.Exists)!;
            if (found[i] is null) missing.Add(stem);
        }
        return missing.Count == 0 ? found : null;
    }

    private static TensorDataset Split(string imagesPath, string labelsPath, int expectedCount)
    {
        var images = Idx.ReadImages(imagesPath);
        var labels = Idx.ReadLabels(labelsPath);
        int[] expected = [expectedCount, 1, 28, 28];
        if (!images.shape.AsSpan().SequenceEqual(expected))
            throw new InvalidDataException($"Fashion-MNIST: '{imagesPath}' holds images of shape {ShapeUtil.Format(images.shape)}, expected {ShapeUtil.Format(expected)}.");
        if (labels.shape[0] != expectedCount)
            throw new InvalidDataException($"Fashion-MNIST: '{labelsPath}' holds {labels.shape[0]} labels, expected {expectedCount}.");
        var values = labels.ContiguousSpan<long>();
        for (int i = 0; i < values.Length; i++)
            if ((ulong)values[i] >= (ulong)Classes.Count)
                throw new InvalidDataException($"Fashion-MNIST: '{labelsPath}' has label {values[i]} at position {i}, outside 0..{Classes.Count - 1}.");
        return new TensorDataset(images, labels);
    }
}
