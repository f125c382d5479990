package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The servers the agent needs are looked up at every read; a failed lookup keeps what was known (issue 15). */
class ControlPlaneBypassTest {

    @Test
    void aServerThatMovesIsFollowedAndAFailedLookupKeepsTheLastAddresses() {
        Deque<Object> answers = new ArrayDeque<>(List.of(List.of(IpAddress.parse("10.1.0.5")),
                new UnknownHostException("git.example.com: Temporary failure in name resolution"),
                List.of(IpAddress.parse("10.1.0.9"))));
        ControlPlaneBypass bypass = new ControlPlaneBypass(List.of("git.example.com"), host -> {
            Object next = answers.pop();
            if (next instanceof UnknownHostException e) {
                throw e;
            }
            @SuppressWarnings("unchecked")
            List<IpAddress> addresses = (List<IpAddress>) next;
            return addresses;
        });

        assertThat(bypass.refresh()).isEmpty();
        assertThat(bypass.addresses()).containsExactly(Cidr.parse("10.1.0.5/32"));

        assertThat(bypass.refresh()).singleElement().asString().contains("cannot resolve git.example.com")
                .contains("keeping the 1 addresses found before");
        assertThat(bypass.addresses()).containsExactly(Cidr.parse("10.1.0.5/32"));

        assertThat(bypass.refresh()).isEmpty();
        assertThat(bypass.addresses()).containsExactly(Cidr.parse("10.1.0.9/32"));
    }

    @Test
    void aServerNeverResolvedIsReportedAsNotKeptOut() {
        ControlPlaneBypass bypass = new ControlPlaneBypass(List.of("api.example.com"), host -> {
            throw new UnknownHostException(host);
        });
        assertThat(bypass.refresh()).singleElement().asString().contains("none is kept out of the tunnel");
        assertThat(bypass.addresses()).isEmpty();
    }
}
