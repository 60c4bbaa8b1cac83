package dev.starling.index;

import dev.starling.crdt.ModelVersion;
import java.util.Objects;

/**
 * Parameters of one collection's {@link VectorIndex}. Immutable; checked by the constructor.
 *
 * @param dimensions length of every vector (a collection's dimension is fixed by its first vector)
 * @param model the model the vectors come from; kept in snapshots so that a node can tell an index
 *     built for an older model (and rebuild it) from a current one
 * @param m HNSW links per node per layer (layer 0 keeps 2·M). More links: better recall at a given
 *     {@code ef}, more memory (about 2·M·4 bytes per vector at layer 0) and slower inserts. 16 is the
 *     usual choice for 100–1000 dimensions [1, §4.2]
 * @param efConstruction candidate list size while inserting: the quality of the graph. Higher builds
 *     slower and finds better neighbours; beyond a few hundred it stops paying
 * @param ef candidate list size while searching (at least k is used): the recall/latency knob. Search
 *     cost grows about linearly with it
 * @param exactThreshold at or below this many vectors, search compares the query with every vector
 *     instead of walking the graph: exact, and as fast as the graph for small collections
 *     (1 000 vectors of 384 dims are 0.4 M multiply-adds)
 *
 * <p>[1] Yu. A. Malkov, D. A. Yashunin, <i>Efficient and robust approximate nearest neighbor search
 * using Hierarchical Navigable Small World graphs</i>, IEEE TPAMI 2020.
 */
public record IndexConfig(int dimensions, ModelVersion model, int m, int efConstruction, int ef, int exactThreshold) {

    public static final int MAX_DIMENSIONS = 4096;
    public static final int DEFAULT_M = 16;
    public static final int DEFAULT_EF_CONSTRUCTION = 100;
    public static final int DEFAULT_EF = 32;
    public static final int DEFAULT_EXACT_THRESHOLD = 1_000;

    public IndexConfig {
        if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("dimensions must be 1.." + MAX_DIMENSIONS + ": " + dimensions);
        }
        Objects.requireNonNull(model, "model");
        if (m < 2 || m > 128) {
            throw new IllegalArgumentException("m must be 2..128: " + m);
        }
        if (efConstruction < 1 || efConstruction > 10_000) {
            throw new IllegalArgumentException("efConstruction must be 1..10000: " + efConstruction);
        }
        if (ef < 1 || ef > 10_000) {
            throw new IllegalArgumentException("ef must be 1..10000: " + ef);
        }
        if (exactThreshold < 0) {
            throw new IllegalArgumentException("exactThreshold must be >= 0: " + exactThreshold);
        }
    }

    /**
     * The defaults: M 16, efConstruction 100, ef 32, exact search up to 1 000 vectors (chosen with
     * HnswBench, see docs/benchmarks.md).
     */
    public static IndexConfig of(int dimensions, ModelVersion model) {
        return new IndexConfig(dimensions, model, DEFAULT_M, DEFAULT_EF_CONSTRUCTION, DEFAULT_EF, DEFAULT_EXACT_THRESHOLD);
    }

    public IndexConfig withM(int newM) {
        return new IndexConfig(dimensions, model, newM, efConstruction, ef, exactThreshold);
    }

    public IndexConfig withEfConstruction(int newEfConstruction) {
        return new IndexConfig(dimensions, model, m, newEfConstruction, ef, exactThreshold);
    }

    public IndexConfig withEf(int newEf) {
        return new IndexConfig(dimensions, model, m, efConstruction, newEf, exactThreshold);
    }

    public IndexConfig withExactThreshold(int newThreshold) {
        return new IndexConfig(dimensions, model, m, efConstruction, ef, newThreshold);
    }
}
