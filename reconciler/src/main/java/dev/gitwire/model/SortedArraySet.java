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
    public boolean contains(Object o) {
        return o != null && Arrays.binarySearch(items, from, to, o) >= 0;
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
