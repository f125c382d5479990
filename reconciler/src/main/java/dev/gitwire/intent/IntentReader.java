package dev.gitwire.intent;

import dev.gitwire.intent.InventoryCheck.SourcedNode;
import dev.gitwire.intent.yaml.SourcePosition;
import dev.gitwire.intent.yaml.StrictYaml;
import dev.gitwire.intent.yaml.YamlNode;
import dev.gitwire.intent.yaml.YamlRejectedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads an intent tree into an {@link Intent}: every file is size-checked before parsing, parsed
 * strictly, checked against its schema, bound with defaults, then checked across nodes. All problems
 * of all files are reported in one pass; the intent exists only when there is no error.
 */
public final class IntentReader {

    public static final String MESH_FILE = IntentFiles.MESH_FILE;
    public static final long MAX_FILE_BYTES = 16L * 1024 * 1024;
    private static final Pattern MISNAMED_NODE_FILE = Pattern.compile("nodes/.+\\.(yml|json)|nodes/.+/.+\\.yaml");

    private final StrictYaml yaml;
    private final SchemaCheck schema;

    public IntentReader() {
        this(new StrictYaml(), new SchemaCheck());
    }

    public IntentReader(StrictYaml yaml, SchemaCheck schema) {
        this.yaml = yaml;
        this.schema = schema;
    }

    /** The outcome of a read: the intent when it is valid, and every problem sorted by file and line. */
    public record Result(Optional<Intent> intent, List<Problem> problems) {
        public Result {
            problems = problems.stream().sorted().toList();
        }

        public boolean valid() {
            return intent.isPresent();
        }

        public List<Problem> errors() {
            return problems.stream().filter(Problem::isError).toList();
        }
    }

    public Result read(IntentTree tree) throws IOException {
        List<Problem> problems = new ArrayList<>();
        List<String> files = tree.files();

        MeshIntent mesh = null;
        if (!files.contains(MESH_FILE)) {
            problems.add(Problem.error(MESH_FILE, SourcePosition.START,
                    "missing: an intent repo has a MeshIntent in mesh.yaml at its root"));
        } else {
            Optional<LocatedFile> file = load(tree, MESH_FILE, FileKind.MESH_INTENT, problems);
            mesh = file.map(f -> IntentBinder.bindMesh(f, problems)).orElse(null);
        }

        List<SourcedNode> nodes = new ArrayList<>();
        for (String path : files) {
            if (IntentFiles.isNodeFile(path)) {
                load(tree, path, FileKind.MESH_NODE, problems)
                        .ifPresent(f -> nodes.add(new SourcedNode(IntentBinder.bindNode(f, problems), f)));
            } else if (MISNAMED_NODE_FILE.matcher(path).matches()) {
                // a node file that is never read leaves its node silently out of the mesh: refuse the revision
                problems.add(Problem.error(path, SourcePosition.START,
                        "not read: node files are nodes/NAME.yaml, directly under nodes/; rename or move it"));
            }
        }
        problems.addAll(InventoryCheck.check(nodes, mesh == null ? ClaimBounds.always() : ClaimBounds.of(mesh)));

        boolean valid = mesh != null && problems.stream().noneMatch(Problem::isError);
        Intent intent = valid ? new Intent(mesh, nodes.stream().map(SourcedNode::node).toList()) : null;
        return new Result(Optional.ofNullable(intent), problems);
    }

    /** Parses and schema-checks one file; empty when it has errors, which are then in {@code problems}. */
    private Optional<LocatedFile> load(IntentTree tree, String path, FileKind kind, List<Problem> problems)
            throws IOException {
        long size = tree.size(path);
        if (size > MAX_FILE_BYTES) {
            problems.add(Problem.error(path, SourcePosition.START,
                    "file is " + size + " bytes; the limit is " + MAX_FILE_BYTES + " (16 MiB)"));
            return Optional.empty();
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(tree.read(path)))
                    .toString();
        } catch (CharacterCodingException e) {
            problems.add(Problem.error(path, SourcePosition.START, "file is not valid UTF-8"));
            return Optional.empty();
        }
        YamlNode root;
        try {
            root = yaml.parse(path, text);
        } catch (YamlRejectedException e) {
            e.problems().forEach(p -> problems.add(Problem.error(path, p.position(), p.message())));
            return Optional.empty();
        }
        List<Problem> schemaProblems = schema.check(path, kind, root);
        problems.addAll(schemaProblems);
        return schemaProblems.isEmpty() ? Optional.of(new LocatedFile(path, root)) : Optional.empty();
    }
}
