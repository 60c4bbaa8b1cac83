package dev.starling.index;

import java.util.Objects;

/**
 * One search result: a document id and the cosine similarity of its vector to the query, in
 * [-1, 1], higher is closer.
 */
public record SearchHit(String id, float score) {

    public SearchHit {
        Objects.requireNonNull(id, "id");
    }
}
