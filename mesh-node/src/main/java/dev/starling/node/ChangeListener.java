package dev.starling.node;

import dev.starling.node.replication.Change;

/**
 * Receives the applied changes of one object, local and replicated, in the order the node applied
 * them. Called on the node's replica agent thread: it must return quickly and never block (hand
 * the change to another thread if there is real work to do). An exception is logged and counted;
 * the listener stays subscribed.
 */
@FunctionalInterface
public interface ChangeListener {

    void onChange(Change change);
}
