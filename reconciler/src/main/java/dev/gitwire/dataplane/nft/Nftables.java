package dev.gitwire.dataplane.nft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gitwire.model.NftTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * gitwire's own nftables tables, through the nft tool in JSON: each change replaces whole tables in one
 * `nft -j -f -` transaction (all or nothing), and tables are read back with `nft -j list table`. Only
 * tables passed in by name are ever touched.
 */
public final class Nftables {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandRunner runner;

    public Nftables(CommandRunner runner) {
        this.runner = runner;
    }

    /** The table as the kernel has it, or empty when there is none. */
    public Optional<NftTable> read(String family, String name) {
        return list(runner, family, name).map(document -> parse(family, name, document));
    }

    /** `nft -j list table` of one table, parsed; empty when there is no such table. */
    static Optional<JsonNode> list(CommandRunner runner, String family, String name) {
        CommandRunner.Result result = runner.run(List.of("nft", "-j", "list", "table", family, name), null);
        if (!result.ok()) {
            if (result.stderr().contains("No such file or directory")) {
                return Optional.empty();
            }
            throw new NftablesException("nft list table " + family + " " + name + ": " + result.stderr().strip());
        }
        return Optional.of(tree(result.stdout()));
    }

    /** Replaces each table with the given content, and deletes the named absent ones, in one transaction. */
    public void replace(List<NftTable> tables, List<NftTable> deleted) {
        ArrayNode commands = JSON.createArrayNode();
        for (NftTable table : tables) {
            ensureThenDelete(commands, table.family(), table.name());
            commands.addObject().set("add", tableObject(table.family(), table.name()));
            addChains(commands, table.family(), table.name(), table.chains());
        }
        for (NftTable table : deleted) {
            ensureThenDelete(commands, table.family(), table.name());
        }
        transaction(runner, commands, "nft transaction");
    }

    /** Runs the commands as one `nft -j -f -` transaction: all or nothing; none is no transaction. */
    static void transaction(CommandRunner runner, ArrayNode commands, String what) {
        if (commands.isEmpty()) {
            return;
        }
        ObjectNode document = JSON.createObjectNode();
        document.set("nftables", commands);
        CommandRunner.Result result = runner.run(List.of("nft", "-j", "-f", "-"), document.toString());
        if (!result.ok()) {
            throw new NftablesException(what + " refused: " + result.stderr().strip());
        }
    }

    /** The commands that add base chains, each with its rules, to a table that exists by then. */
    static void addChains(ArrayNode commands, String family, String table, List<NftTable.Chain> chains) {
        for (NftTable.Chain chain : chains) {
            ObjectNode c = JSON.createObjectNode().put("family", family).put("table", table)
                    .put("name", chain.name()).put("type", chain.type()).put("hook", chain.hook())
                    .put("prio", chain.priority()).put("policy", chain.policy());
            commands.addObject().putObject("add").set("chain", c);
            for (NftTable.Rule rule : chain.rules()) {
                ObjectNode r = JSON.createObjectNode().put("family", family).put("table", table)
                        .put("chain", chain.name());
                ArrayNode expressions = r.putArray("expr");
                rule.expressions().forEach(e -> expressions.add(NftExpressions.json(e)));
                commands.addObject().putObject("add").set("rule", r);
            }
        }
    }

    /** "add table" succeeds whether or not it exists, so the delete after it never fails: the usual idiom. */
    static void ensureThenDelete(ArrayNode commands, String family, String name) {
        commands.addObject().set("add", tableObject(family, name));
        commands.addObject().set("delete", tableObject(family, name));
    }

    static ObjectNode tableObject(String family, String name) {
        ObjectNode wrapper = JSON.createObjectNode();
        wrapper.putObject("table").put("family", family).put("name", name);
        return wrapper;
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static NftTable parse(String family, String name, JsonNode document) {
        List<NftTable.Chain> chains = new ArrayList<>();
        for (JsonNode item : document.path("nftables")) {
            JsonNode chain = item.get("chain");
            if (chain != null) {
                chains.add(new NftTable.Chain(chain.path("name").asText(), chain.path("type").asText(),
                        chain.path("hook").asText(), chain.path("prio").asInt(), chain.path("policy").asText(),
                        List.of()));
            }
            JsonNode rule = item.get("rule");
            if (rule != null) {
                String chainName = rule.path("chain").asText();
                for (int i = 0; i < chains.size(); i++) {
                    NftTable.Chain c = chains.get(i);
                    if (c.name().equals(chainName)) {
                        List<NftTable.Rule> rules = new ArrayList<>(c.rules());
                        List<NftTable.Expression> expressions = new ArrayList<>();
                        rule.path("expr").forEach(e -> expressions.add(NftExpressions.parse(e)));
                        rules.add(new NftTable.Rule(expressions));
                        chains.set(i, new NftTable.Chain(c.name(), c.type(), c.hook(), c.priority(), c.policy(), rules));
                    }
                }
            }
        }
        return new NftTable(family, name, chains);
    }
}
