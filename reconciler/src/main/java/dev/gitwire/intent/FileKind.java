package dev.gitwire.intent;

/** The kinds of file in an intent repo and on the status branch, each with its JSON Schema. */
public enum FileKind {
    MESH_INTENT("MeshIntent", "mesh-intent.schema.json"),
    MESH_NODE("MeshNode", "mesh-node.schema.json"),
    MESH_NODE_STATUS("MeshNodeStatus", "mesh-node-status.schema.json");

    public static final String API_VERSION = "gitwire.dev/v1alpha1";

    private final String kind;
    private final String schemaFile;

    FileKind(String kind, String schemaFile) {
        this.kind = kind;
        this.schemaFile = schemaFile;
    }

    public String kind() {
        return kind;
    }

    /** The classpath resource of its schema, packaged by the policy-schema module. */
    public String schemaResource() {
        return "schemas/v1alpha1/" + schemaFile;
    }
}
