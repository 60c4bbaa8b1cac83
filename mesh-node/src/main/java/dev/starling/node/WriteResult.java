package dev.starling.node;

import dev.starling.crdt.Hlc;

/**
 * The outcome of a write: its HLC (the API's {@code hlc}), how many peers confirmed it (never
 * counting this node) and whether that met the requested ack level. A write that was not confirmed
 * is still kept here and keeps replicating.
 */
public record WriteResult(Hlc hlc, int acked, boolean confirmed) {
}
