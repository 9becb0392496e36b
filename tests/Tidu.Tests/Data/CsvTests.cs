using Tidu.Data;

namespace Tidu.Tests.Data;

public sealed class CsvTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("tidu-csv-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string text, string name = "data.csv")
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ReadsFeaturesAndClassLabels()
    {
        string path = Write("a,b,label,c\n1,2,0,3\n\n4.5, -5e-1 ,2,\"6\"\r\n");
        var ds = Csv.Read(path, labelColumn: 2);
        Assert.Equal(2, ds.Count);
        Assert.Equal([2, 3], ds.Inputs.Shape);
        Assert.Equal(DType.Float32, ds.Inputs.DType);
        Assert.Equal([1f, 2f, 3f, 4.5f, -0.5f, 6f], ds.Inputs.ToArray<float>());
        Assert.Equal(DType.Int64, ds.Targets.DType);
        Assert.Equal([0L, 2L], ds.Targets.ToArray<long>());

        var byName = Csv.Read(path, "label");
        Assert.Equal(ds.Targets.ToArray<long>(), byName.Targets.ToArray<long>());
    }

    [Fact]
    public void ReadsRegressionTargetsWithoutHeaderAndOtherSeparators()
    {
        string path = Write("1;2;0.5\n3;4;1.5\n");
        var ds = Csv.Read(path, labelColumn: -1, hasHeader: false, separator: ';', regression: true);
        Assert.Equal([2, 1], ds.Targets.Shape);
        Assert.Equal(DType.Float32, ds.Targets.DType);
        Assert.Equal([0.5f, 1.5f], ds.Targets.ToArray<float>());
        Assert.Equal([1f, 2f, 3f, 4f], ds.Inputs.ToArray<float>());
    }

    [Fact]
    public void NonNumericValuesNameLineAndColumn()
    {
        string path = Write("x,y,label\n1,2,0\n3,abc,1\n");
        var e = Assert.Throws<InvalidDataException>(() => Csv.Read(path, 2));
        TestHelpers.AssertMentions(e.Message, path, "line 3", "column 2", "'y'", "'abc'");

        e = Assert.Throws<InvalidDataException>(() => Csv.Read(Write("1,,0\n", "empty.csv"), 2, hasHeader: false));
        TestHelpers.AssertMentions(e.Message, "line 1", "column 2", "empty value");

        e = Assert.Throws<InvalidDataException>(() => Csv.Read(Write("x,label\n1,0\n2,0.5\n", "frac.csv"), 1));
        TestHelpers.AssertMentions(e.Message, "line 3", "column 2", "not an integer", "regression");

        e = Assert.Throws<InvalidDataException>(() => Csv.Read(Write("x,label\nNaN,1\n", "nan.csv"), 1));
        TestHelpers.AssertMentions(e.Message, "line 2", "column 1", "'NaN' is not a finite number");
    }

    [Fact]
    public void RaggedRowsNameTheLine()
    {
        var e = Assert.Throws<InvalidDataException>(() => Csv.Read(Write("a,b,c\n1,2,3\n4,5\n"), 0));
        TestHelpers.AssertMentions(e.Message, "line 3", "2 columns", "line 1 has 3");
    }

    [Fact]
    public void OtherProblemsAreClear()
    {
        TestHelpers.AssertMentions(Assert.Throws<InvalidDataException>(() => Csv.Read(Write("a,b\n"), 0)).Message, "no data rows");
        TestHelpers.AssertMentions(Assert.Throws<InvalidDataException>(() => Csv.Read(Write("a,b\n1,2\n"), 5)).Message, "label column 5", "2 columns");
        TestHelpers.AssertMentions(Assert.Throws<InvalidDataException>(() => Csv.Read(Write("a,b\n1,2\n"), "z")).Message, "no column named 'z'", "a, b");
        TestHelpers.AssertMentions(Assert.Throws<InvalidDataException>(() => Csv.Read(Write("a,b\n\"1,2\n"), 0)).Message, "line 2", "quoted");
    }
}
