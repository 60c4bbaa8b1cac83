package dev.starling.crdt.internal;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * An immutable hash map with structural sharing: a hash array mapped trie (HAMT) [1] in the
 * compressed CHAMP layout [2].
 *
 * <p><b>Trie.</b> A key's {@code hashCode()} is spread ({@code h ^ (h >>> 16)}) and consumed five
 * bits at a time, least significant bits first: the root branches on bits 0-4, its children on bits
 * 5-9, and so on down to the seventh level (shift 30), which branches on the two remaining bits.
 * Each level therefore has at most 32 children, and a map of {@code n} well-distributed keys is
 * about {@code log32(n)} levels deep.
 *
 * <p><b>Compact nodes.</b> Following [2], a node keeps two 32-bit bitmaps: {@code dataMap} marks
 * the branches that hold one key/value pair inline, {@code nodeMap} the branches that hold a
 * sub-node. Both live in a single {@code Object[]}: key/value pairs packed from the front in
 * ascending branch order, sub-nodes packed from the back (the sub-node with the lowest branch in
 * the last slot). The slot of a branch is found with one {@link Integer#bitCount} of the relevant
 * bitmap masked below the branch's bit, so empty branches cost no space, and a lookup only ever
 * inspects one bitmap bit per level.
 *
 * <p><b>Collisions.</b> Two keys whose full 32-bit hashes are equal cannot be told apart by any
 * level of the trie; once all 32 bits are consumed they share a collision node, a flat array of
 * key/value pairs searched linearly with {@code equals}.
 *
 * <p><b>Updates.</b> {@code put} and {@code remove} copy only the nodes on the path from the root to
 * the changed slot and share everything else with the previous version, so an update costs
 * {@code O(log32 n)} small array copies and old versions stay valid. When a new key lands on a
 * branch already holding a different key, both are pushed into a fresh sub-node (a chain of nodes
 * while their hash chunks agree, a collision node if their hashes are identical).
 *
 * <p><b>Canonical shape.</b> Every node except the root holds at least two entries in its
 * subtree. When a removal leaves a sub-node (or collision node) with a single entry, that entry is
 * moved back inline into its parent, and if the parent then holds only that entry too, the
 * process repeats upward [2]. With this invariant the shape of the trie depends only on its
 * content, except for the order of entries inside collision nodes; {@link #equals} nevertheless
 * does not rely on shape and is correct for any two tries (it merely runs fastest when the shapes
 * agree, and skips shared sub-trees by identity).
 *
 * <p>Null keys and null values are rejected. Instances are immutable and safe to share between
 * threads.
 *
 * <p>References:
 * <ol>
 *   <li>P. Bagwell, "Ideal Hash Trees", EPFL technical report, 2001.</li>
 *   <li>M. Steindorfer, J. Vinju, "Optimizing Hash-Array Mapped Tries for Fast and Lean Immutable
 *       JVM Collections", OOPSLA 2015.</li>
 * </ol>
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class PersistentHashMap<K, V> implements Iterable<Map.Entry<K, V>> {

    /** Hash bits consumed per trie level. */
    private static final int BITS = 5;
    private static final int MASK = (1 << BITS) - 1;
    /** Smallest shift at which no hash bits are left: nodes at this depth are collision nodes. */
    private static final int HASH_BITS = 32;
    /** Bitmap levels (shifts 0, 5, ..., 30) plus one collision level. */
    private static final int MAX_DEPTH = 8;

    private static final PersistentHashMap<?, ?> EMPTY =
            new PersistentHashMap<>(BitmapNode.EMPTY_NODE, 0);

    private final BitmapNode root;
    private final int size;

    private PersistentHashMap(BitmapNode root, int size) {
        this.root = root;
        this.size = size;
    }

    /** Returns the shared empty map. */
    @SuppressWarnings("unchecked")
    public static <K, V> PersistentHashMap<K, V> empty() {
        return (PersistentHashMap<K, V>) EMPTY;
    }

    /** Returns the value mapped to {@code key}, or {@code null}; allocation-free. */
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        return (V) find(root, key, spread(key.hashCode()), 0);
    }

    public boolean containsKey(Object key) {
        return find(root, key, spread(key.hashCode()), 0) != null;
    }

    /**
     * Returns a map that also maps {@code key} to {@code value}, or this map itself if {@code key}
     * already maps to the very same ({@code ==}) value.
     */
    public PersistentHashMap<K, V> put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Change change = new Change();
        BitmapNode newRoot = root.put(key, value, spread(key.hashCode()), 0, change);
        if (newRoot == root) {
            return this;
        }
        return new PersistentHashMap<>(newRoot, change.replaced ? size : size + 1);
    }

    /** Returns a map without {@code key}, or this map itself if {@code key} is absent. */
    public PersistentHashMap<K, V> remove(Object key) {
        Node newRoot = root.remove(key, spread(key.hashCode()), 0);
        if (newRoot == root) {
            return this;
        }
        if (size == 1) {
            return empty();
        }
        // The root never hands a single-entry child upward, so the result is a bitmap node.
        return new PersistentHashMap<>((BitmapNode) newRoot, size - 1);
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public void forEach(BiConsumer<? super K, ? super V> action) {
        Objects.requireNonNull(action, "action");
        forEach(root, action);
    }

    @SuppressWarnings("unchecked")
    private static <K, V> void forEach(Node node, BiConsumer<? super K, ? super V> action) {
        Object[] content = node.content;
        for (int i = 0, n = node.payloadArity() << 1; i < n; i += 2) {
            action.accept((K) content[i], (V) content[i + 1]);
        }
        for (int i = 0, n = node.nodeArity(); i < n; i++) {
            forEach(node.nodeAt(i), action);
        }
    }

    /** Iterates over immutable entries, in no particular order. */
    @Override
    public Iterator<Map.Entry<K, V>> iterator() {
        return new EntryIterator<>(root);
    }

    /** Returns a fresh, mutable {@link HashMap} with the same entries. */
    public Map<K, V> toMap() {
        Map<K, V> copy = new HashMap<>(Math.max(16, (int) (size / 0.75f) + 1));
        forEach(copy::put);
        return copy;
    }

    /**
     * Content equality: {@code o} is a {@code PersistentHashMap} with the same keys, each mapped to
     * an equal value. Independent of the order of insertions and removals that built either map.
     */
    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof PersistentHashMap)) {
            return false;
        }
        PersistentHashMap<?, ?> other = (PersistentHashMap<?, ?>) o;
        // Equal sizes plus "every entry of this is in other" means the two maps are equal.
        return size == other.size && containedIn(root, 0, other.root, 0);
    }

    /** The sum over entries of {@code key.hashCode() ^ value.hashCode()}, as for {@link Map}. */
    @Override
    public int hashCode() {
        return hashCode(root);
    }

    private static int hashCode(Node node) {
        int h = 0;
        Object[] content = node.content;
        for (int i = 0, n = node.payloadArity() << 1; i < n; i += 2) {
            h += content[i].hashCode() ^ content[i + 1].hashCode();
        }
        for (int i = 0, n = node.nodeArity(); i < n; i++) {
            h += hashCode(node.nodeAt(i));
        }
        return h;
    }

    /** Formats like {@link java.util.AbstractMap#toString()}: {@code {k1=v1, k2=v2}}. */
    @Override
    public String toString() {
        if (size == 0) {
            return "{}";
        }
        StringBuilder sb = new StringBuilder().append('{');
        forEach((k, v) -> {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(k).append('=').append(v);
        });
        return sb.append('}').toString();
    }

    /**
     * Test hook: verifies the structural invariants (bitmaps agree with array lengths, every entry
     * sits on the branch its hash selects, collision nodes only below the last bitmap level and only
     * for equal hashes, no non-root node with fewer than two entries, size matches the content) and
     * throws {@link IllegalStateException} on the first violation.
     */
    void checkInvariants() {
        int counted = checkNode(root, 0, 0, true);
        if (counted != size) {
            throw new IllegalStateException("size " + size + " but trie holds " + counted);
        }
    }

    private static int checkNode(Node node, int shift, int prefix, boolean isRoot) {
        int prefixMask = shift >= HASH_BITS ? -1 : (1 << shift) - 1;
        if (node instanceof CollisionNode) {
            if (shift < HASH_BITS) {
                throw new IllegalStateException("collision node at shift " + shift);
            }
            Object[] content = node.content;
            if (content.length < 4 || (content.length & 1) != 0) {
                throw new IllegalStateException("collision node of length " + content.length);
            }
            for (int i = 0; i < content.length; i += 2) {
                checkEntry(content[i], content[i + 1], prefix, prefixMask);
                for (int j = i + 2; j < content.length; j += 2) {
                    if (content[i].equals(content[j])) {
                        throw new IllegalStateException("duplicate key " + content[i]);
                    }
                }
            }
            return content.length >> 1;
        }
        BitmapNode b = (BitmapNode) node;
        if (shift >= HASH_BITS) {
            throw new IllegalStateException("bitmap node below the last level");
        }
        if ((b.dataMap & b.nodeMap) != 0) {
            throw new IllegalStateException("branch both inline and sub-node");
        }
        int payload = b.payloadArity();
        int nodes = b.nodeArity();
        if (b.content.length != 2 * payload + nodes) {
            throw new IllegalStateException("array length disagrees with bitmaps");
        }
        if (!isRoot && payload + nodes == 0) {
            throw new IllegalStateException("empty non-root node");
        }
        if (!isRoot && payload == 1 && nodes == 0) {
            throw new IllegalStateException("single-entry sub-node was not inlined");
        }
        int count = 0;
        int data = b.dataMap;
        for (int i = 0; data != 0; i++) {
            int bit = data & -data;
            data ^= bit;
            int branch = Integer.numberOfTrailingZeros(bit);
            int branchPrefix = prefix | (branch << shift);
            checkEntry(b.content[2 * i], b.content[2 * i + 1], branchPrefix,
                    prefixMask | (MASK << shift));
            count++;
        }
        int sub = b.nodeMap;
        for (int i = 0; sub != 0; i++) {
            int bit = sub & -sub;
            sub ^= bit;
            int branch = Integer.numberOfTrailingZeros(bit);
            Object child = b.content[b.content.length - 1 - i];
            if (!(child instanceof Node)) {
                throw new IllegalStateException("sub-node slot holds " + child);
            }
            int childCount = checkNode((Node) child, shift + BITS, prefix | (branch << shift), false);
            if (childCount < 2) {
                throw new IllegalStateException("sub-node with fewer than two entries");
            }
            count += childCount;
        }
        return count;
    }

    private static void checkEntry(Object key, Object value, int prefix, int prefixMask) {
        if (key == null || value == null || key instanceof Node || value instanceof Node) {
            throw new IllegalStateException("bad entry " + key + "=" + value);
        }
        if ((spread(key.hashCode()) & prefixMask) != (prefix & prefixMask)) {
            throw new IllegalStateException("key " + key + " on the wrong branch");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Trie internals
    // ---------------------------------------------------------------------------------------------

    static int spread(int h) {
        return h ^ (h >>> 16);
    }

    private static int index(int bitmap, int bit) {
        return Integer.bitCount(bitmap & (bit - 1));
    }

    /** Lookup from {@code node}, which sits at depth {@code shift}; a loop, allocation-free. */
    private static Object find(Node node, Object key, int hash, int shift) {
        while (node instanceof BitmapNode) {
            BitmapNode b = (BitmapNode) node;
            Object[] content = b.content;
            int bit = 1 << ((hash >>> shift) & MASK);
            int dataMap = b.dataMap;
            if ((dataMap & bit) != 0) {
                int i = index(dataMap, bit) << 1;
                Object k = content[i];
                return k == key || key.equals(k) ? content[i + 1] : null;
            }
            int nodeMap = b.nodeMap;
            if ((nodeMap & bit) == 0) {
                return null;
            }
            node = (Node) content[content.length - 1 - index(nodeMap, bit)];
            shift += BITS;
        }
        Object[] content = node.content;
        for (int i = 0, n = content.length; i < n; i += 2) {
            Object k = content[i];
            if (k == key || key.equals(k)) {
                return content[i + 1];
            }
        }
        return null;
    }

    /**
     * Whether every entry below {@code a} is present, with an equal value, below {@code b}.
     * {@code b} is the deepest node of the other trie known to cover {@code a}'s hash prefix; the
     * walk descends both tries in lockstep while their shapes agree and falls back to lookups from
     * {@code b} where they do not, so it is correct for any two valid tries.
     */
    private static boolean containedIn(Node a, int aShift, Node b, int bShift) {
        if (a == b) {
            return true;
        }
        Object[] ac = a.content;
        for (int i = 0, n = a.payloadArity() << 1; i < n; i += 2) {
            Object k = ac[i];
            Object v = ac[i + 1];
            Object w = find(b, k, spread(k.hashCode()), bShift);
            if (w == null || !(v == w || v.equals(w))) {
                return false;
            }
        }
        if (a instanceof BitmapNode) {
            int nodeMap = ((BitmapNode) a).nodeMap;
            for (int i = 0; nodeMap != 0; i++) {
                int bit = nodeMap & -nodeMap;
                nodeMap ^= bit;
                Node sub = (Node) ac[ac.length - 1 - i];
                boolean contained;
                if (aShift == bShift && b instanceof BitmapNode && (((BitmapNode) b).nodeMap & bit) != 0) {
                    BitmapNode bb = (BitmapNode) b;
                    Node other = (Node) bb.content[bb.content.length - 1 - index(bb.nodeMap, bit)];
                    contained = containedIn(sub, aShift + BITS, other, bShift + BITS);
                } else {
                    contained = containedIn(sub, aShift + BITS, b, bShift);
                }
                if (!contained) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Builds the smallest sub-trie at depth {@code shift} holding two distinct keys: one node if
     * their hash chunks differ here, a chain of single-child nodes while they agree, and a
     * collision node once all hash bits are used up.
     */
    private static Node mergeTwo(Object k0, Object v0, int h0, Object k1, Object v1, int h1, int shift) {
        if (shift >= HASH_BITS) {
            return new CollisionNode(new Object[] {k0, v0, k1, v1});
        }
        int m0 = (h0 >>> shift) & MASK;
        int m1 = (h1 >>> shift) & MASK;
        if (m0 != m1) {
            Object[] content = m0 < m1 ? new Object[] {k0, v0, k1, v1} : new Object[] {k1, v1, k0, v0};
            return new BitmapNode((1 << m0) | (1 << m1), 0, content);
        }
        return new BitmapNode(0, 1 << m0, new Object[] {mergeTwo(k0, v0, h0, k1, v1, h1, shift + BITS)});
    }

    /** Out-parameter of a put: whether an existing mapping was replaced rather than added. */
    private static final class Change {
        boolean replaced;
    }

    /**
     * Common shape of both node kinds: key/value pairs at {@code content[2i], content[2i + 1]} for
     * {@code i < payloadArity()}.
     */
    private abstract static class Node {
        final Object[] content;

        Node(Object[] content) {
            this.content = content;
        }

        abstract int payloadArity();

        abstract int nodeArity();

        /** The {@code i}-th sub-node in ascending branch order. */
        abstract Node nodeAt(int i);

        abstract Node put(Object key, Object value, int hash, int shift, Change change);

        /**
         * Returns this node if {@code key} is absent, otherwise the node without it. A non-root
         * result may be a node holding just one entry and no sub-nodes; the caller must inline it.
         */
        abstract Node remove(Object key, int hash, int shift);

        final boolean isSingleEntry() {
            return nodeArity() == 0 && payloadArity() == 1;
        }
    }

    /** CHAMP node: inline pairs from the front, sub-nodes from the back of {@link #content}. */
    private static final class BitmapNode extends Node {
        static final BitmapNode EMPTY_NODE = new BitmapNode(0, 0, new Object[0]);

        final int dataMap;
        final int nodeMap;

        BitmapNode(int dataMap, int nodeMap, Object[] content) {
            super(content);
            this.dataMap = dataMap;
            this.nodeMap = nodeMap;
        }

        @Override
        int payloadArity() {
            return Integer.bitCount(dataMap);
        }

        @Override
        int nodeArity() {
            return Integer.bitCount(nodeMap);
        }

        @Override
        Node nodeAt(int i) {
            return (Node) content[content.length - 1 - i];
        }

        @Override
        BitmapNode put(Object key, Object value, int hash, int shift, Change change) {
            int bit = 1 << ((hash >>> shift) & MASK);
            int dataMap = this.dataMap;
            Object[] content = this.content;
            if ((dataMap & bit) != 0) {
                int i = index(dataMap, bit) << 1;
                Object k = content[i];
                if (k == key || key.equals(k)) {
                    if (content[i + 1] == value) {
                        return this;
                    }
                    change.replaced = true;
                    Object[] copy = content.clone();
                    copy[i + 1] = value;
                    return new BitmapNode(dataMap, nodeMap, copy);
                }
                Node sub = mergeTwo(k, content[i + 1], spread(k.hashCode()), key, value, hash, shift + BITS);
                return migrateDataToNode(bit, i, sub);
            }
            int nodeMap = this.nodeMap;
            if ((nodeMap & bit) != 0) {
                int j = content.length - 1 - index(nodeMap, bit);
                Node sub = (Node) content[j];
                Node newSub = sub.put(key, value, hash, shift + BITS, change);
                if (newSub == sub) {
                    return this;
                }
                Object[] copy = content.clone();
                copy[j] = newSub;
                return new BitmapNode(dataMap, nodeMap, copy);
            }
            int i = index(dataMap, bit) << 1;
            Object[] copy = new Object[content.length + 2];
            System.arraycopy(content, 0, copy, 0, i);
            copy[i] = key;
            copy[i + 1] = value;
            System.arraycopy(content, i, copy, i + 2, content.length - i);
            return new BitmapNode(dataMap | bit, nodeMap, copy);
        }

        @Override
        Node remove(Object key, int hash, int shift) {
            int bit = 1 << ((hash >>> shift) & MASK);
            int dataMap = this.dataMap;
            Object[] content = this.content;
            if ((dataMap & bit) != 0) {
                int i = index(dataMap, bit) << 1;
                Object k = content[i];
                if (k != key && !key.equals(k)) {
                    return this;
                }
                Object[] copy = new Object[content.length - 2];
                System.arraycopy(content, 0, copy, 0, i);
                System.arraycopy(content, i + 2, copy, i, content.length - i - 2);
                return new BitmapNode(dataMap ^ bit, nodeMap, copy);
            }
            int nodeMap = this.nodeMap;
            if ((nodeMap & bit) == 0) {
                return this;
            }
            int j = content.length - 1 - index(nodeMap, bit);
            Node sub = (Node) content[j];
            Node newSub = sub.remove(key, hash, shift + BITS);
            if (newSub == sub) {
                return this;
            }
            if (newSub.isSingleEntry()) {
                if (shift != 0 && dataMap == 0 && nodeMap == bit) {
                    // This node would hold nothing but that one entry: hand it further up.
                    return newSub;
                }
                return migrateNodeToData(bit, j, newSub.content[0], newSub.content[1]);
            }
            Object[] copy = content.clone();
            copy[j] = newSub;
            return new BitmapNode(dataMap, nodeMap, copy);
        }

        /** Replaces the inline pair at {@code i} (branch {@code bit}) by sub-node {@code sub}. */
        private BitmapNode migrateDataToNode(int bit, int i, Node sub) {
            Object[] content = this.content;
            int newNodeMap = nodeMap | bit;
            int length = content.length - 1;
            int p = length - 1 - index(newNodeMap, bit);
            Object[] copy = new Object[length];
            System.arraycopy(content, 0, copy, 0, i);
            System.arraycopy(content, i + 2, copy, i, p - i);
            copy[p] = sub;
            System.arraycopy(content, i + 2 + p - i, copy, p + 1, length - p - 1);
            return new BitmapNode(dataMap ^ bit, newNodeMap, copy);
        }

        /** Replaces the sub-node at slot {@code j} (branch {@code bit}) by an inline pair. */
        private BitmapNode migrateNodeToData(int bit, int j, Object key, Object value) {
            Object[] content = this.content;
            int newDataMap = dataMap | bit;
            int i = index(newDataMap, bit) << 1;
            Object[] copy = new Object[content.length + 1];
            System.arraycopy(content, 0, copy, 0, i);
            copy[i] = key;
            copy[i + 1] = value;
            System.arraycopy(content, i, copy, i + 2, j - i);
            System.arraycopy(content, j + 1, copy, j + 2, content.length - j - 1);
            return new BitmapNode(newDataMap, nodeMap ^ bit, copy);
        }
    }

    /** Keys whose full 32-bit spread hashes are equal, as a flat array of pairs. */
    private static final class CollisionNode extends Node {
        CollisionNode(Object[] content) {
            super(content);
        }

        @Override
        int payloadArity() {
            return content.length >> 1;
        }

        @Override
        int nodeArity() {
            return 0;
        }

        @Override
        Node nodeAt(int i) {
            throw new IndexOutOfBoundsException(i);
        }

        @Override
        CollisionNode put(Object key, Object value, int hash, int shift, Change change) {
            // Every key routed here has the same hash: all its bits matched on the way down.
            Object[] content = this.content;
            int n = content.length;
            for (int i = 0; i < n; i += 2) {
                Object k = content[i];
                if (k == key || key.equals(k)) {
                    if (content[i + 1] == value) {
                        return this;
                    }
                    change.replaced = true;
                    Object[] copy = content.clone();
                    copy[i + 1] = value;
                    return new CollisionNode(copy);
                }
            }
            Object[] copy = new Object[n + 2];
            System.arraycopy(content, 0, copy, 0, n);
            copy[n] = key;
            copy[n + 1] = value;
            return new CollisionNode(copy);
        }

        @Override
        CollisionNode remove(Object key, int hash, int shift) {
            Object[] content = this.content;
            int n = content.length;
            for (int i = 0; i < n; i += 2) {
                Object k = content[i];
                if (k == key || key.equals(k)) {
                    Object[] copy = new Object[n - 2];
                    System.arraycopy(content, 0, copy, 0, i);
                    System.arraycopy(content, i + 2, copy, i, n - i - 2);
                    // With one pair left this is a single-entry node, which the parent inlines.
                    return new CollisionNode(copy);
                }
            }
            return this;
        }
    }

    /**
     * Depth-first iterator: yields the inline pairs of a node, then walks its sub-nodes, keeping an
     * explicit stack of at most {@link #MAX_DEPTH} nodes.
     */
    private static final class EntryIterator<K, V> implements Iterator<Map.Entry<K, V>> {
        private final Node[] stack = new Node[MAX_DEPTH];
        private final int[] nextChild = new int[MAX_DEPTH];
        private int depth;
        private Object[] payload;
        private int payloadPos;
        private int payloadEnd;

        EntryIterator(Node root) {
            stack[0] = root;
            payload = root.content;
            payloadEnd = root.payloadArity() << 1;
        }

        @Override
        public boolean hasNext() {
            if (payloadPos < payloadEnd) {
                return true;
            }
            while (depth >= 0) {
                Node node = stack[depth];
                if (nextChild[depth] < node.nodeArity()) {
                    Node child = node.nodeAt(nextChild[depth]++);
                    depth++;
                    stack[depth] = child;
                    nextChild[depth] = 0;
                    int arity = child.payloadArity();
                    if (arity > 0) {
                        payload = child.content;
                        payloadPos = 0;
                        payloadEnd = arity << 1;
                        return true;
                    }
                } else {
                    stack[depth] = null;
                    depth--;
                }
            }
            return false;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map.Entry<K, V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int i = payloadPos;
            payloadPos = i + 2;
            return Map.entry((K) payload[i], (V) payload[i + 1]);
        }
    }
}
