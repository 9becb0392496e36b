using System.Collections;

namespace Tidu.Diagnostics;

/// <summary>A list that keeps the last <see cref="Capacity"/> items added, oldest first.</summary>
internal sealed class RingBuffer<T>(int capacity) : IReadOnlyList<T>
{
    private readonly T[] items = new T[Math.Max(1, capacity)];
    private int start;

    public int Capacity => items.Length;

    public int Count { get; private set; }

    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            return items[(start + index) % items.Length];
        }
    }

    public void Add(T item)
    {
        if (Count < items.Length)
        {
            items[(start + Count) % items.Length] = item;
            Count++;
        }
        else
        {
            items[start] = item;
            start = (start + 1) % items.Length;
        }
    }

    public IEnumerator<T> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
