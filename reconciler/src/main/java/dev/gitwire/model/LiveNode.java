package dev.gitwire.model;

import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What is known live about one node: its labels and addresses, the IPs of the pods running on it, its
 * pod CIDRs, the public key it advertises, and its provider ID (AKS nodes start with azure://).
 */
public record LiveNode(String name, Map<String, String> labels, List<IpAddress> addresses,
        List<IpAddress> workloadIPs, List<Cidr> podCIDRs, Optional<PublicKey> advertisedKey,
        Optional<String> providerId) {

    public LiveNode {
        labels = Map.copyOf(labels);
        addresses = List.copyOf(addresses);
        workloadIPs = List.copyOf(workloadIPs);
        podCIDRs = List.copyOf(podCIDRs);
    }

    public boolean onAzure() {
        return providerId.filter(id -> id.startsWith("azure://")).isPresent();
    }
}
