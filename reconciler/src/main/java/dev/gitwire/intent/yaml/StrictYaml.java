package dev.gitwire.intent.yaml;

import dev.gitwire.intent.yaml.YamlNode.YamlMapping;
import dev.gitwire.intent.yaml.YamlNode.YamlScalar;
import dev.gitwire.intent.yaml.YamlNode.YamlSequence;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.MappingStartEvent;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.events.SequenceStartEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Reads one YAML document into {@link YamlNode}s, refusing what could hurt or mislead: duplicate keys,
 * alias expansion beyond a budget ("billion laughs"), deep nesting, more than one document, tags, and
 * numbers whose meaning differs between YAML 1.1 and 1.2. Scalars are typed by the YAML 1.2 core schema,
 * so {@code on}, {@code yes} and {@code off} stay text and a schema can say so.
 *
 * <p>It builds the tree from parser events with an explicit stack, so no input can exhaust the Java stack.
 */
public final class StrictYaml {

    /** Limits of one document; generous for a 16 MiB inventory, tight for an attack. */
    public record Limits(int maxCodePoints, int maxDepth, int maxAliases, int maxNodes) {
        public static final Limits DEFAULT = new Limits(16 * 1024 * 1024, 64, 100, 2_000_000);
    }

    private static final String STR_TAG = "tag:yaml.org,2002:str";
    private static final Pattern NULL = Pattern.compile("null|Null|NULL|~|");
    private static final Pattern TRUE = Pattern.compile("true|True|TRUE");
    private static final Pattern FALSE = Pattern.compile("false|False|FALSE");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(0|[1-9][0-9]*)");
    private static final Pattern LEADING_ZERO = Pattern.compile("[-+]?0[0-9_]+");
    private static final Pattern OCTAL = Pattern.compile("0o[0-7]+");
    private static final Pattern HEX = Pattern.compile("0x[0-9a-fA-F]+");
    private static final Pattern FLOAT =
            Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");

    private final Limits limits;

    public StrictYaml(Limits limits) {
        this.limits = limits;
    }

    public StrictYaml() {
        this(Limits.DEFAULT);
    }

    /** Parses the single document of {@code text}; {@code label} names the file in messages. */
    public YamlNode parse(String label, String text) throws YamlRejectedException {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(label)
                .setCodePointLimit(limits.maxCodePoints())
                .setAllowDuplicateKeys(false)
                .setMaxAliasesForCollections(limits.maxAliases())
                .build();
        Composer composer = new Composer();
        try {
            ParserImpl parser = new ParserImpl(settings, new StreamReader(settings, text));
            while (parser.hasNext() && !composer.stopped()) {
                composer.accept(parser.next());
            }
        } catch (MarkedYamlEngineException e) {
            composer.problems.add(new YamlProblem(position(e.getProblemMark()), describe(e)));
        } catch (YamlEngineException e) {
            composer.problems.add(new YamlProblem(SourcePosition.START, e.getMessage()));
        }
        if (composer.root == null && composer.problems.isEmpty()) {
            composer.problems.add(new YamlProblem(SourcePosition.START, "the file holds no YAML document"));
        }
        if (!composer.problems.isEmpty()) {
            throw new YamlRejectedException(composer.problems);
        }
        return composer.root;
    }

    private static String describe(MarkedYamlEngineException e) {
        String problem = e.getProblem() == null ? "invalid YAML" : e.getProblem();
        return e.getContext() == null ? problem : e.getContext() + ": " + problem;
    }

    private static SourcePosition position(Optional<Mark> mark) {
        return mark.map(m -> new SourcePosition(m.getLine() + 1, m.getColumn() + 1)).orElse(SourcePosition.START);
    }

    /** Turns the event stream into nodes; records problems and stops at the first one it cannot read past. */
    private final class Composer {
        private final List<YamlProblem> problems = new ArrayList<>();
        private final Deque<Frame> stack = new ArrayDeque<>();
        private final Map<String, YamlNode> anchors = new HashMap<>();
        private final Map<YamlNode, Long> weights = new IdentityHashMap<>();
        private YamlNode root;
        private int documents;
        private int aliases;
        private long nodes;
        private boolean fatal;

        boolean stopped() {
            return fatal;
        }

        void accept(Event event) {
            switch (event.getEventId()) {
                case DocumentStart -> {
                    if (++documents > 1) {
                        fail(event, "a file holds one YAML document; found a second one");
                    }
                }
                case MappingStart, SequenceStart -> open((NodeEvent) event);
                case MappingEnd, SequenceEnd -> close();
                case Scalar -> scalar((ScalarEvent) event);
                case Alias -> alias((AliasEvent) event);
                default -> { }
            }
        }

        private void open(NodeEvent event) {
            rejectTag(event instanceof MappingStartEvent m ? m.getTag() : ((SequenceStartEvent) event).getTag(), event);
            if (stack.size() >= limits.maxDepth()) {
                fail(event, "nesting deeper than " + limits.maxDepth() + " levels");
                return;
            }
            stack.push(new Frame(event instanceof MappingStartEvent, event.getAnchor().map(a -> a.getValue()),
                    position(event.getStartMark())));
        }

        private void close() {
            Frame frame = stack.pop();
            YamlNode node = frame.mapping
                    ? new YamlMapping(frame.entries, frame.position)
                    : new YamlSequence(frame.items, frame.position);
            weights.put(node, frame.weight + 1);
            complete(node, frame.weight + 1, frame.anchor);
        }

        private void scalar(ScalarEvent event) {
            SourcePosition position = position(event.getStartMark());
            Frame parent = stack.peek();
            if (parent != null && parent.mapping && parent.pendingKey == null) {
                // a key is always text: "on:" or "1:" as a key means the text, not a boolean or number
                rejectTag(event.getTag(), event);
                parent.acceptKey(event.getValue(), position);
                return;
            }
            rejectTag(event.getTag(), event);
            boolean text = !event.isPlain() || event.getTag().isPresent();
            Object value = text ? event.getValue() : typePlain(event, position);
            complete(new YamlScalar(value, event.getValue(), position), 1, event.getAnchor().map(a -> a.getValue()));
        }

        private void alias(AliasEvent event) {
            String name = event.getAlias().getValue();
            YamlNode target = anchors.get(name);
            if (target == null) {
                fail(event, "alias *" + name + " refers to no complete anchor");
                return;
            }
            if (++aliases > limits.maxAliases()) {
                fail(event, "more than " + limits.maxAliases() + " aliases");
                return;
            }
            Frame parent = stack.peek();
            if (parent != null && parent.mapping && parent.pendingKey == null) {
                fail(event, "an alias cannot be a mapping key");
                return;
            }
            complete(target, weights.getOrDefault(target, 1L), Optional.empty());
        }

        private void complete(YamlNode node, long weight, Optional<String> anchor) {
            nodes += weight;
            if (nodes > limits.maxNodes()) {
                problems.add(new YamlProblem(node.position(),
                        "the document expands to more than " + limits.maxNodes() + " nodes"));
                fatal = true;
                return;
            }
            anchor.ifPresent(a -> anchors.put(a, node));
            Frame parent = stack.peek();
            if (parent == null) {
                root = node;
            } else if (parent.mapping && parent.pendingKey == null) {
                problems.add(new YamlProblem(node.position(), "a mapping key must be a plain value"));
                fatal = true;
            } else {
                parent.acceptValue(node, weight);
            }
        }

        private Object typePlain(ScalarEvent event, SourcePosition position) {
            String text = event.getValue();
            if (plainlyText(text)) {
                return text; // an address or a CIDR: 100,000 of them skip the eight patterns below
            }
            if (NULL.matcher(text).matches()) {
                return null;
            }
            if (TRUE.matcher(text).matches()) {
                return Boolean.TRUE;
            }
            if (FALSE.matcher(text).matches()) {
                return Boolean.FALSE;
            }
            try {
                if (DECIMAL.matcher(text).matches()) {
                    return Long.parseLong(text);
                }
                if (HEX.matcher(text).matches()) {
                    return Long.parseLong(text.substring(2), 16);
                }
                if (OCTAL.matcher(text).matches()) {
                    return Long.parseLong(text.substring(2), 8);
                }
            } catch (NumberFormatException e) {
                problems.add(new YamlProblem(position, "number " + text + " is too large"));
                return text;
            }
            if (LEADING_ZERO.matcher(text).matches()) {
                problems.add(new YamlProblem(position, "number " + text
                        + " is ambiguous (YAML 1.1 reads it as octal, YAML 1.2 as decimal): quote it, or write it"
                        + " without the leading zero, or as 0o" + text.replaceFirst("^[-+]?0+", "")));
                return text;
            }
            if (FLOAT.matcher(text).matches()) {
                return Double.parseDouble(text.replace(".inf", "Infinity").replace(".Inf", "Infinity")
                        .replace(".INF", "Infinity").replaceAll("^\\.(nan|NaN|NAN)$", "NaN"));
            }
            return text;
        }

        /** Whether no null, boolean or number of YAML 1.2's core schema can be spelled so: two dots, a colon or a slash. */
        private static boolean plainlyText(String text) {
            int dots = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == ':' || c == '/' || (c == '.' && ++dots == 2)) {
                    return true;
                }
            }
            return false;
        }

        private void rejectTag(Optional<String> tag, Event event) {
            if (tag.isPresent() && !tag.get().equals(STR_TAG) && !tag.get().equals("!")) {
                problems.add(new YamlProblem(position(event.getStartMark()),
                        "tag " + tag.get() + " is not supported: write plain values"));
            }
        }

        private void fail(Event event, String message) {
            problems.add(new YamlProblem(position(event.getStartMark()), message));
            fatal = true;
        }

        private final class Frame {
            final boolean mapping;
            final Optional<String> anchor;
            final SourcePosition position;
            final List<YamlMapping.Entry> entries = new ArrayList<>();
            final List<YamlNode> items = new ArrayList<>();
            final Map<String, SourcePosition> keys = new HashMap<>();
            String pendingKey;
            SourcePosition pendingKeyPosition;
            long weight;

            Frame(boolean mapping, Optional<String> anchor, SourcePosition position) {
                this.mapping = mapping;
                this.anchor = anchor;
                this.position = position;
            }

            void acceptKey(String key, SourcePosition keyPosition) {
                SourcePosition first = keys.putIfAbsent(key, keyPosition);
                if (first != null) {
                    problems.add(new YamlProblem(keyPosition,
                            "duplicate key '" + key + "' (first at line " + first.line() + ")"));
                }
                pendingKey = key;
                pendingKeyPosition = keyPosition;
            }

            void acceptValue(YamlNode value, long valueWeight) {
                weight += valueWeight;
                if (mapping) {
                    entries.add(new YamlMapping.Entry(pendingKey, pendingKeyPosition, value));
                    pendingKey = null;
                } else {
                    items.add(value);
                }
            }
        }
    }
}
