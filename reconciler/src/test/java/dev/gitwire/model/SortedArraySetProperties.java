package dev.gitwire.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeSet;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The array-backed sorted set behaves as a TreeSet of the same elements, whatever their order and repeats. */
class SortedArraySetProperties {

    @Property
    void holdsWhatATreeSetHolds(@ForAll @Size(max = 60) List<@IntRange(min = -50, max = 50) Integer> elements,
            @ForAll @IntRange(min = -60, max = 60) int probe, @ForAll @IntRange(min = -60, max = 60) int other) {
        TreeSet<Integer> tree = new TreeSet<>(elements);
        SortedArraySet<Integer> array = SortedArraySet.copyOf(elements);
        assertThat(array).containsExactlyElementsOf(tree);
        assertThat(array.contains(probe)).isEqualTo(tree.contains(probe));
        assertThat(array).isEqualTo(tree).hasSameHashCodeAs(tree);
        assertThat(tree).isEqualTo(array);
        assertThat(array.headSet(probe)).containsExactlyElementsOf(tree.headSet(probe));
        assertThat(array.tailSet(probe)).containsExactlyElementsOf(tree.tailSet(probe));
        int low = Math.min(probe, other);
        int high = Math.max(probe, other);
        assertThat(array.subSet(low, high)).containsExactlyElementsOf(tree.subSet(low, high));
        assertThat(array.subSet(low, high).contains(probe)).isEqualTo(tree.subSet(low, high).contains(probe));
        if (!tree.isEmpty()) {
            assertThat(array.first()).isEqualTo(tree.first());
            assertThat(array.last()).isEqualTo(tree.last());
        }
    }

    @Property
    void aUnionHoldsWhatATreeSetOfBothHolds(@ForAll @Size(max = 60) List<@IntRange(min = -50, max = 50) Integer> first,
            @ForAll @Size(max = 10) List<@IntRange(min = -60, max = 60) Integer> more) {
        TreeSet<Integer> tree = new TreeSet<>(first);
        tree.addAll(more);
        assertThat(SortedArraySet.union(new TreeSet<>(first), more)).containsExactlyElementsOf(tree);
    }

    @Property
    void aCopyOfASortedSetOrOfItselfKeepsItsElements(@ForAll @Size(max = 60) List<Integer> elements) {
        SortedArraySet<Integer> fromTree = SortedArraySet.copyOf(new TreeSet<>(elements));
        assertThat(fromTree).containsExactlyElementsOf(new TreeSet<>(elements));
        assertThat(SortedArraySet.copyOf(fromTree)).isSameAs(fromTree);
        assertThat(SortedArraySet.copyOf(new ArrayList<>(fromTree))).isEqualTo(fromTree);
    }

    /** Routes and prefixes sort by their packed keys when all pack; the set must still be the TreeSet's. */
    @Property
    void packedRoutesAndPrefixesHoldWhatATreeSetHolds(
            @ForAll @Size(max = 80) List<@IntRange(min = 0, max = 400) Integer> picks, @ForAll boolean withIpv6,
            @ForAll boolean withMetric) {
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < picks.size(); i++) {
            int pick = picks.get(i);
            IpAddress address = withIpv6 && pick % 7 == 0
                    ? new IpAddress(IpFamily.IPV6, pick, 0) : new IpAddress(IpFamily.IPV4, 0, (pick & ~3L) << 22);
            int prefix = pick % 3 == 0 ? address.family().bits() : 8 + pick % 3;
            Cidr destination = new Cidr(address.masked(prefix), prefix);
            // repeats of one destination with another type: the first one listed must stay, as in a TreeSet
            routes.add(i % 2 == 0 ? Route.throwing(destination)
                    : new Route(destination, RouteType.PROHIBIT, Optional.empty(), false, false,
                            withMetric && pick % 5 == 0 ? 100 : 0));
        }
        TreeSet<Route> tree = new TreeSet<>();
        routes.forEach(tree::add);
        SortedArraySet<Route> array = SortedArraySet.copyOf(routes);
        assertThat(array).containsExactlyElementsOf(tree);
        for (int i = 0; i < tree.size(); i++) {
            assertThat(new ArrayList<>(array).get(i).type()).isEqualTo(new ArrayList<>(tree).get(i).type());
        }
        List<Cidr> destinations = routes.stream().map(Route::destination).toList();
        assertThat(SortedArraySet.copyOf(destinations)).containsExactlyElementsOf(new TreeSet<>(destinations));
    }

    @Example
    void itCannotBeChangedAndRefusesNullsAndBackwardRanges() {
        SortedArraySet<Integer> set = SortedArraySet.copyOf(List.of(3, 1, 2));
        assertThatThrownBy(() -> set.add(4)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> set.iterator().remove()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> set.subSet(3, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SortedArraySet.copyOf(Arrays.asList(1, null)))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> SortedArraySet.<Integer>of().first()).isInstanceOf(NoSuchElementException.class);
    }
}
