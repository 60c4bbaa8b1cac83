package dev.starling.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.Resolvers;
import dev.starling.node.Value;
import dev.starling.node.replication.ObjectKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The register resolvers over JSON values. {@code average} registers take numbers or arrays of
 * numbers; {@code union} registers take arrays; {@code lww} and {@code siblings} take any value.
 *
 * <p>{@code average} reads the mean of the siblings shaped like the latest one (a number, or an
 * array of the same length): concurrent writers that disagree on the shape cannot be averaged, and
 * the latest writer's shape wins rather than the read failing.
 */
final class Resolve {

    private Resolve() {
    }

    /** Checks that {@code value} suits the resolver of {@code kind}; 400 otherwise. */
    static void check(ObjectKind kind, JsonNode value) {
        if (kind == ObjectKind.REGISTER_AVERAGE) {
            if (value.isNumber()) {
                return;
            }
            if (value.isArray() && !value.isEmpty()) {
                for (JsonNode e : value) {
                    if (!e.isNumber()) {
                        throw ApiException.badRequest("an average register holds a number or an array of numbers");
                    }
                }
                return;
            }
            throw ApiException.badRequest("an average register holds a number or a non-empty array of numbers");
        }
        if (kind == ObjectKind.REGISTER_UNION && !value.isArray()) {
            throw ApiException.badRequest("a union register holds arrays");
        }
    }

    /** The register's value as its resolver reads {@code siblings}; JSON null when empty. */
    static JsonNode read(ObjectKind kind, List<MvRegister.Sibling<Value>> siblings) {
        if (siblings.isEmpty()) {
            return Json.NODES.nullNode();
        }
        switch (kind) {
            case REGISTER_SIBLINGS: {
                ArrayNode out = Json.array();
                for (Value v : Resolvers.<Value>siblings().resolve(siblings)) {
                    out.add(Json.fromValue(v));
                }
                return out;
            }
            case REGISTER_UNION: {
                List<JsonNode> union = Resolvers.<Value, JsonNode>union(v -> elements(Json.fromValue(v)))
                    .resolve(siblings);
                ArrayNode out = Json.array();
                union.forEach(out::add);
                return out;
            }
            case REGISTER_AVERAGE:
                return average(siblings);
            default:
                return Json.fromValue(Resolvers.<Value>lww().resolve(siblings));
        }
    }

    private static List<JsonNode> elements(JsonNode n) {
        List<JsonNode> out = new ArrayList<>();
        if (n.isArray()) {
            n.forEach(out::add);
        } else {
            out.add(n);
        }
        return out;
    }

    private static JsonNode average(List<MvRegister.Sibling<Value>> siblings) {
        JsonNode latest = Json.fromValue(Resolvers.<Value>lww().resolve(siblings));
        List<MvRegister.Sibling<Value>> same = new ArrayList<>(siblings.size());
        for (MvRegister.Sibling<Value> s : siblings) {
            JsonNode v = Json.fromValue(s.value());
            if (latest.isNumber() ? v.isNumber() : v.isArray() && v.size() == latest.size() && allNumbers(v)) {
                same.add(s);
            }
        }
        if (same.isEmpty()) {
            return latest;
        }
        if (latest.isNumber()) {
            return Json.NODES.numberNode(Resolvers.<Value>averageOfNumbers(v -> Json.fromValue(v).doubleValue())
                .resolve(same));
        }
        double[] mean = Resolvers.<Value>averageOfVectors(v -> {
            JsonNode a = Json.fromValue(v);
            double[] d = new double[a.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = a.get(i).doubleValue();
            }
            return d;
        }).resolve(same);
        ArrayNode out = Json.array();
        for (double d : mean) {
            out.add(d);
        }
        return out;
    }

    private static boolean allNumbers(JsonNode a) {
        for (JsonNode e : a) {
            if (!e.isNumber()) {
                return false;
            }
        }
        return true;
    }
}
