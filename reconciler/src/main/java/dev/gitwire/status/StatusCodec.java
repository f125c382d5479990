package dev.gitwire.status;

import dev.gitwire.intent.FileKind;
import dev.gitwire.intent.yaml.YamlEmitter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/** NodeStatus to and from the YAML of a status file, fields always in the same order. */
public final class StatusCodec {


    private StatusCodec() {}

    public static String write(NodeStatus s) {
        Map<String, Object> status = new LinkedHashMap<>();
        s.publicKey().ifPresent(k -> status.put("publicKey", k));
        status.put("listenPort", s.listenPort());
        s.observedRevision().ifPresent(r -> status.put("observedRevision", r));
        status.put("phase", s.phase().name());
        List<Object> conditions = new ArrayList<>();
        for (NodeStatus.Condition c : s.conditions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", c.type());
            m.put("status", c.status());
            m.put("reason", c.reason());
            m.put("message", c.message());
            conditions.add(m);
        }
        status.put("conditions", conditions);
        s.dataplane().ifPresent(d -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("interfaceName", d.interfaceName());
            m.put("backend", d.backend());
            m.put("mtu", d.mtu());
            m.put("mtuReason", d.mtuReason());
            m.put("peers", d.peers());
            m.put("allowedIPs", d.allowedIps());
            m.put("routes", d.routes());
            m.put("hostEncryption", d.hostEncryption());
            status.put("dataplane", m);
        });
        List<Object> peers = new ArrayList<>();
        for (NodeStatus.Peer p : s.peers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            p.publicKey().ifPresent(k -> m.put("publicKey", k));
            p.endpoint().ifPresent(e -> m.put("endpoint", e));
            m.put("allowedIPs", p.allowedIps());
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

    /** Reads a status file written by any node; empty when it is not one. */
    @SuppressWarnings("unchecked")
    public static Optional<NodeStatus> read(String text) {
        try {
            Map<String, Object> doc = (Map<String, Object>) new Load(LoadSettings.builder()
                    .setSchema(new CoreSchema()).setCodePointLimit(1 << 22).build()).loadFromString(text);
            if (doc == null || !FileKind.MESH_NODE_STATUS.kind().equals(doc.get("kind"))) {
                return Optional.empty();
            }
            Map<String, Object> status = (Map<String, Object>) doc.get("status");
            List<NodeStatus.Condition> conditions = new ArrayList<>();
            for (Object o : (List<Object>) status.getOrDefault("conditions", List.of())) {
                Map<String, Object> c = (Map<String, Object>) o;
                conditions.add(new NodeStatus.Condition(str(c, "type"), str(c, "status"), str(c, "reason"),
                        str(c, "message")));
            }
            Optional<NodeStatus.Dataplane> dataplane = Optional.ofNullable((Map<String, Object>) status.get("dataplane"))
                    .map(d -> new NodeStatus.Dataplane(str(d, "interfaceName"), str(d, "backend"), num(d, "mtu"),
                            str(d, "mtuReason"), num(d, "peers"), num(d, "allowedIPs"), num(d, "routes"),
                            Boolean.TRUE.equals(d.get("hostEncryption"))));
            List<NodeStatus.Peer> peers = new ArrayList<>();
            for (Object o : (List<Object>) status.getOrDefault("peers", List.of())) {
                Map<String, Object> p = (Map<String, Object>) o;
                peers.add(new NodeStatus.Peer(str(p, "name"), Optional.ofNullable((String) p.get("publicKey")),
                        Optional.ofNullable((String) p.get("endpoint")), num(p, "allowedIPs"), str(p, "state")));
            }
            return Optional.of(new NodeStatus(str((Map<String, Object>) doc.get("metadata"), "name"),
                    Optional.ofNullable((String) status.get("publicKey")), num(status, "listenPort"),
                    Optional.ofNullable((String) status.get("observedRevision")),
                    NodeStatus.Phase.valueOf(str(status, "phase")), conditions, dataplane, peers));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String str(Map<String, Object> map, String key) {
        Object value = map.get(key);
        return value == null ? "" : value.toString();
    }

    private static int num(Map<String, Object> map, String key) {
        Object value = map.get(key);
        return value instanceof Number n ? n.intValue() : 0;
    }
}
