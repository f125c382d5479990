package dev.gitwire.model;

import dev.gitwire.net.PackedOrder;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SortedSet;

/**
 * An immutable set in natural order over one sorted array. The state records hold 100,000 routes or allowed
 * IPs of a peer: built by one sort (linear for input already in order, as kernel dumps and sorted sets are),
 * a fifth of a TreeSet's memory, and passed from record to record without another copy.
 */
public final class SortedArraySet<E extends Comparable<? super E>> extends AbstractSet<E> implements SortedSet<E> {

    private static final int INDEX_BITS = 24;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
    private static final SortedArraySet<?> EMPTY = new SortedArraySet<>(new Object[0], 0, 0);

    private final Object[] items;
    private final int from;
    private final int to;

    private SortedArraySet(Object[] items, int from, int to) {
        this.items = items;
        this.from = from;
        this.to = to;
    }

    @SuppressWarnings("unchecked")
    public static <E extends Comparable<? super E>> SortedArraySet<E> of() {
        return (SortedArraySet<E>) EMPTY;
    }

    /** The elements of {@code elements} in natural order, duplicates once; {@code elements} itself when it is one. */
    @SuppressWarnings("unchecked")
    public static <E extends Comparable<? super E>> SortedArraySet<E> copyOf(Collection<? extends E> elements) {
        if (elements instanceof SortedArraySet<?> set) {
            return (SortedArraySet<E>) set;
        }
        Object[] items = elements.toArray();
        for (Object item : items) {
            Objects.requireNonNull(item, "a sorted set holds no null");
        }
        int size = items.length;
        boolean inOrder = elements instanceof SortedSet<?> sorted && sorted.comparator() == null || ascending(items);
        if (!inOrder) {
            long[] keys = packedKeys(items);
            size = keys == null ? sortByCompareTo(items) : sortByKeys(items, keys);
        }
        return size == 0 ? of() : new SortedArraySet<>(items, 0, size);
    }

    /**
     * The elements of {@code sorted} and of {@code more}, duplicates once (the first set's): one merge, for a
     * large set and a few more elements, such as a node's pods and its addresses.
     */
    @SuppressWarnings("unchecked")
    public static <E extends Comparable<? super E>> SortedArraySet<E> union(SortedSet<E> sorted,
            Collection<? extends E> more) {
        SortedArraySet<E> a = copyOf(sorted);
        SortedArraySet<E> b = copyOf(more);
        Object[] merged = new Object[a.size() + b.size()];
        int i = a.from;
        int j = b.from;
        int size = 0;
        while (i < a.to && j < b.to) {
            int order = ((E) a.items[i]).compareTo((E) b.items[j]);
            merged[size++] = order <= 0 ? a.items[i++] : b.items[j++];
            j += order == 0 ? 1 : 0;
        }
        while (i < a.to) {
            merged[size++] = a.items[i++];
        }
        while (j < b.to) {
            merged[size++] = b.items[j++];
        }
        return size == 0 ? of() : new SortedArraySet<>(merged, 0, size);
    }

    /** Whether each element is above the one before: a filtered or mapped sorted set needs no sort. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static boolean ascending(Object[] items) {
        for (int i = 1; i < items.length; i++) {
            if (((Comparable) items[i - 1]).compareTo(items[i]) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** Sorts {@code items} and moves the first of each run of equal elements to the front; returns how many. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int sortByCompareTo(Object[] items) {
        Arrays.sort(items);
        int size = 0;
        for (int i = 0; i < items.length; i++) {
            if (size == 0 || ((Comparable) items[size - 1]).compareTo(items[i]) != 0) {
                items[size++] = items[i];
            }
        }
        return size;
    }

    /**
     * The same as {@link #sortByCompareTo} for elements that all pack, several times faster: longs sort without
     * a call, and equal keys keep their input order through the index, so the first of equal elements stays.
     */
    private static int sortByKeys(Object[] items, long[] keys) {
        Arrays.sort(keys);
        Object[] unsorted = items.clone();
        int size = 0;
        for (int i = 0; i < keys.length; i++) {
            if (i == 0 || keys[i] >>> INDEX_BITS != keys[i - 1] >>> INDEX_BITS) {
                items[size++] = unsorted[(int) (keys[i] & INDEX_MASK)];
            }
        }
        return size;
    }

    /** Each element's packed key with its index in the low bits; null when one does not pack, or for too many. */
    private static long[] packedKeys(Object[] items) {
        if (items.length > INDEX_MASK + 1) {
            return null;
        }
        long[] keys = new long[items.length];
        for (int i = 0; i < items.length; i++) {
            long key = items[i] instanceof PackedOrder packed ? packed.packedOrder() : PackedOrder.UNPACKED;
            if (key < 0 || key > PackedOrder.MAX) {
                return null;
            }
            keys[i] = key << INDEX_BITS | i;
        }
        return keys;
    }

    @Override
    public int size() {
        return to - from;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public boolean contains(Object o) {
        if (o == null || isEmpty() || ((Comparable) items[from]).compareTo(o) > 0
                || ((Comparable) items[to - 1]).compareTo(o) < 0) {
            return false; // outside the range: two comparisons, where a node's pods are one block of addresses
        }
        return Arrays.binarySearch(items, from, to, o) >= 0;
    }

    @Override
    public Iterator<E> iterator() {
        return new Iterator<>() {
            private int next = from;

            @Override
            public boolean hasNext() {
                return next < to;
            }

            @Override
            @SuppressWarnings("unchecked")
            public E next() {
                if (next >= to) {
                    throw new NoSuchElementException();
                }
                return (E) items[next++];
            }
        };
    }

    @Override
    public Comparator<? super E> comparator() {
        return null;
    }

    @Override
    public SortedSet<E> subSet(E fromElement, E toElement) {
        if (fromElement.compareTo(toElement) > 0) {
            throw new IllegalArgumentException(fromElement + " is after " + toElement);
        }
        return new SortedArraySet<>(items, lowerBound(fromElement), lowerBound(toElement));
    }

    @Override
    public SortedSet<E> headSet(E toElement) {
        return new SortedArraySet<>(items, from, lowerBound(toElement));
    }

    @Override
    public SortedSet<E> tailSet(E fromElement) {
        return new SortedArraySet<>(items, lowerBound(fromElement), to);
    }

    @Override
    @SuppressWarnings("unchecked")
    public E first() {
        if (isEmpty()) {
            throw new NoSuchElementException();
        }
        return (E) items[from];
    }

    @Override
    @SuppressWarnings("unchecked")
    public E last() {
        if (isEmpty()) {
            throw new NoSuchElementException();
        }
        return (E) items[to - 1];
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof SortedArraySet<?> other) { // both in natural order: compare element by element
            return size() == other.size() && Arrays.equals(items, from, to, other.items, other.from, other.to);
        }
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }

    /** The index of the first element not below {@code element}. */
    private int lowerBound(E element) {
        int at = Arrays.binarySearch(items, from, to, Objects.requireNonNull(element));
        return at >= 0 ? at : -at - 1;
    }
}
