package dev.gitwire.status;

import dev.gitwire.intent.FileKind;
import dev.gitwire.intent.Problem;
import dev.gitwire.intent.SchemaCheck;
import dev.gitwire.intent.yaml.StrictYaml;
import dev.gitwire.intent.yaml.YamlEmitter;
import dev.gitwire.intent.yaml.YamlNode;
import dev.gitwire.intent.yaml.YamlNode.YamlMapping;
import dev.gitwire.intent.yaml.YamlNode.YamlScalar;
import dev.gitwire.intent.yaml.YamlNode.YamlSequence;
import dev.gitwire.intent.yaml.YamlProblem;
import dev.gitwire.intent.yaml.YamlRejectedException;
import dev.gitwire.text.Printable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** NodeStatus to and from the YAML of a status file, fields always in the same order. */
public final class StatusCodec {

    /** A status is a few hundred bytes, a node's left-out peers at most some megabytes; it never needs an alias. */
    private static final StrictYaml YAML = new StrictYaml(new StrictYaml.Limits(1 << 22, 16, 0, 1_000_000));

    private StatusCodec() {}

    public static String write(NodeStatus s) {
        Map<String, Object> status = new LinkedHashMap<>();
        s.publicKey().ifPresent(k -> status.put("publicKey", k));
        s.pqPublicKey().ifPresent(k -> status.put("pqPublicKey", k));
        s.keyCreated().ifPresent(t -> status.put("keyCreated", t.toString()));
        status.put("listenPort", s.listenPort());
        s.observedRevision().ifPresent(r -> status.put("observedRevision", r));
        status.put("phase", s.phase().name());
        List<Object> conditions = new ArrayList<>();
        for (NodeStatus.Condition c : s.conditions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", c.type());
            m.put("status", c.status());
            m.put("reason", c.reason());
            m.put("message", Printable.text(c.message())); // may quote what a hostile intent or API object held
            conditions.add(m);
        }
        status.put("conditions", conditions);
        s.dataplane().ifPresent(d -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("interfaceName", d.interfaceName());
            m.put("backend", d.backend());
            m.put("mtu", d.mtu());
            m.put("mtuReason", Printable.text(d.mtuReason()));
            m.put("peers", d.peers());
            m.put("allowedIPs", d.allowedIps());
            m.put("routes", d.routes());
            m.put("hostEncryption", d.hostEncryption());
            m.put("allowedIPsIPv6", d.allowedIpsIpv6());
            m.put("routesIPv6", d.routesIpv6());
            status.put("dataplane", m);
        });
        List<Object> peers = new ArrayList<>();
        for (NodeStatus.Peer p : s.peers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            p.publicKey().ifPresent(k -> m.put("publicKey", k));
            p.endpoint().ifPresent(e -> m.put("endpoint", e));
            m.put("allowedIPs", p.allowedIps());
            m.put("allowedIPsIPv6", p.allowedIpsIpv6());
            m.put("state", p.state());
            peers.add(m);
        }
        status.put("peers", peers);
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("apiVersion", FileKind.API_VERSION);
        document.put("kind", FileKind.MESH_NODE_STATUS.kind());
        document.put("metadata", Map.of("name", s.name()));
        document.put("status", status);
        return YamlEmitter.write(document);
    }

    /**
     * A field this version does not know, named as the schema names its own: what the next version may add to
     * gitwire.dev/v1alpha1 (docs/git-source-and-status.md, "Versions"). It is not read, so never shown; any other
     * unknown key is refused as before.
     */
    private static final Pattern FROM_A_NEWER_VERSION =
            Pattern.compile("(^|[.\\]])[a-z][A-Za-z0-9]{0,62}: unknown field$");

    /**
     * Reads a status file another node wrote, as hostile input: YAML as strictly as an intent file (no aliases,
     * unique keys, bounded), then the MeshNodeStatus schema, whose patterns keep every value that the README, the
     * CLI or a log shows inside its cell: no line breaks where a row or a block could end, no control characters.
     */
    public static NodeStatus read(String file, String text) throws StatusRejectedException {
        YamlNode root;
        try {
            root = YAML.parse(file, text);
        } catch (YamlRejectedException e) {
            YamlProblem first = e.problems().get(0);
            throw new StatusRejectedException(Problem.error(file, first.position(), first.message()));
        }
        List<Problem> problems = Schema.CHECK.check(file, FileKind.MESH_NODE_STATUS, root).stream()
                .filter(p -> !FROM_A_NEWER_VERSION.matcher(p.message()).find()).toList();
        if (!problems.isEmpty()) {
            throw new StatusRejectedException(problems.get(0));
        }
        YamlMapping status = mapping(root, "status");
        List<NodeStatus.Condition> conditions = new ArrayList<>();
        for (YamlNode c : items(status, "conditions")) {
            YamlMapping m = (YamlMapping) c;
            conditions.add(new NodeStatus.Condition(text(m, "type"), text(m, "status"), text(m, "reason"),
                    text(m, "message")));
        }
        Optional<NodeStatus.Dataplane> dataplane = status.entry("dataplane").map(e -> (YamlMapping) e.value())
                .map(d -> new NodeStatus.Dataplane(text(d, "interfaceName"), text(d, "backend"), number(d, "mtu"),
                        text(d, "mtuReason"), number(d, "peers"), number(d, "allowedIPs"), number(d, "routes"),
                        Boolean.TRUE.equals(value(d, "hostEncryption")), number(d, "allowedIPsIPv6"),
                        number(d, "routesIPv6"))); // absent, as an older release writes it: 0
        List<NodeStatus.Peer> peers = new ArrayList<>();
        for (YamlNode p : items(status, "peers")) {
            YamlMapping m = (YamlMapping) p;
            peers.add(new NodeStatus.Peer(text(m, "name"), optionalText(m, "publicKey"), optionalText(m, "endpoint"),
                    number(m, "allowedIPs"), text(m, "state"), number(m, "allowedIPsIPv6")));
        }
        return new NodeStatus(text(mapping(root, "metadata"), "name"), optionalText(status, "publicKey"),
                number(status, "listenPort"), optionalText(status, "observedRevision"),
                NodeStatus.Phase.valueOf(text(status, "phase")), conditions, dataplane, peers,
                optionalText(status, "keyCreated").map(Instant::parse), optionalText(status, "pqPublicKey"));
    }

    private static YamlMapping mapping(YamlNode node, String key) {
        return (YamlMapping) ((YamlMapping) node).entry(key).orElseThrow().value();
    }

    private static List<YamlNode> items(YamlMapping map, String key) {
        return map.entry(key).map(e -> ((YamlSequence) e.value()).items()).orElse(List.of());
    }

    private static Object value(YamlMapping map, String key) {
        return map.entry(key).map(e -> ((YamlScalar) e.value()).value()).orElse(null);
    }

    private static Optional<String> optionalText(YamlMapping map, String key) {
        return Optional.ofNullable(value(map, key)).map(Object::toString);
    }

    private static String text(YamlMapping map, String key) {
        return optionalText(map, key).orElse("");
    }

    private static int number(YamlMapping map, String key) {
        return value(map, key) instanceof Long n ? n.intValue() : 0;
    }

    /** The schema checker, made on first use: loading the schemas costs a third of a second. */
    private static final class Schema {
        static final SchemaCheck CHECK = new SchemaCheck();
    }
}
