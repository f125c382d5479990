package dev.gitwire.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** Issue 31: each key replaced at its node's slot, never two nodes' slots closer than interval / nodes. */
class KeyRotationSlotsProperties {

    @Property(tries = 300)
    void aKeyIsReplacedBetweenHalfAndOneAndAHalfIntervalsOld(@ForAll @IntRange(min = 24, max = 8760) int hours,
            @ForAll @IntRange(min = 1, max = 100) int nodes, @ForAll @IntRange(min = 0, max = 99) int rank,
            @ForAll @LongRange(min = 0, max = 4_000_000_000_000L) long createdMillis) {
        KeyRotationSlots slots = new KeyRotationSlots(Duration.ofHours(hours));
        List<String> names = names(nodes);
        String node = names.get(rank % nodes);
        Instant created = Instant.ofEpochMilli(createdMillis);

        Instant due = slots.due(created, node, names);

        Duration age = Duration.between(created, due);
        assertThat(age).isGreaterThanOrEqualTo(Duration.ofHours(hours).dividedBy(2));
        assertThat(age).isLessThan(Duration.ofHours(hours).multipliedBy(3).dividedBy(2));
        // replaced on time, the next key is replaced at exactly the interval's age: a steady mesh keeps its slots
        assertThat(slots.due(due, node, names)).isEqualTo(due.plus(Duration.ofHours(hours)));
    }

    @Property(tries = 300)
    void noTwoNodesRotateCloserThanTheIntervalOverTheNodes(@ForAll @IntRange(min = 24, max = 8760) int hours,
            @ForAll @IntRange(min = 2, max = 100) int nodes, @ForAll @LongRange(min = 0, max = 4_000_000_000_000L)
            long createdMillis) {
        KeyRotationSlots slots = new KeyRotationSlots(Duration.ofHours(hours));
        List<String> names = names(nodes);
        long period = Duration.ofHours(hours).toMillis();
        List<Long> offsets = new ArrayList<>();
        for (String node : names) {
            offsets.add(Math.floorMod(slots.due(Instant.ofEpochMilli(createdMillis), node, names).toEpochMilli(), period));
        }
        offsets.sort(null);
        offsets.add(offsets.get(0) + period); // the last slot of an interval and the first of the next
        for (int i = 1; i < offsets.size(); i++) {
            assertThat(offsets.get(i) - offsets.get(i - 1)).isGreaterThanOrEqualTo(period / nodes);
        }
    }

    /** The numbers docs/operations.md gives for 5,000 nodes. */
    @Test
    void atFiveThousandNodesTheBusiestMinuteHoldsOneRotationAtThirtyDaysAndFourAtTheDailyMinimum() {
        assertThat(busiestMinute(new KeyRotationSlots(Duration.ofDays(30)), 5_000)).isEqualTo(1);
        assertThat(busiestMinute(new KeyRotationSlots(Duration.ofDays(1)), 5_000)).isEqualTo(4);
    }

    @Test
    void aNodeNotYetAmongTheNamesTakesTheSlotItsNameWillHave() {
        KeyRotationSlots slots = new KeyRotationSlots(Duration.ofDays(1));
        Instant created = Instant.parse("2026-12-01T00:00:00Z");
        assertThat(slots.due(created, "node-b", Set.of("node-a", "node-c")))
                .isEqualTo(slots.due(created, "node-b", Set.of("node-a", "node-b", "node-c")));
    }

    private static int busiestMinute(KeyRotationSlots slots, int nodes) {
        Instant created = Instant.parse("2026-12-01T00:00:00Z");
        long[] perMinute = IntStream.range(0, nodes).mapToLong(rank -> slots.due(created, rank, nodes).toEpochMilli()
                / 60_000).sorted().toArray();
        int busiest = 0;
        for (int i = 0, j = 0; i < perMinute.length; i = j) {
            while (j < perMinute.length && perMinute[j] == perMinute[i]) {
                j++;
            }
            busiest = Math.max(busiest, j - i);
        }
        return busiest;
    }

    private static List<String> names(int nodes) {
        return IntStream.range(0, nodes).mapToObj(i -> String.format("aks-nodepool1-%08d-vmss%06d", i * 7919 % 100_000, i))
                .toList();
    }
}
