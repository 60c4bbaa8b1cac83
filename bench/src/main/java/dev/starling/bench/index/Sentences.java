package dev.starling.bench.index;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated English sentences of the kind an edge mesh stores (events of robots, cameras, sensors):
 * subject, verb, object, sometimes a second clause; 8 to 30 tokens. Seeded.
 */
public final class Sentences {

    private static final String[] SUBJECTS = {"The robot", "A camera", "The gateway", "An operator",
        "The inference box", "A sensor", "The drone", "My phone", "The forklift", "A visitor", "The scheduler",
        "The night guard"};
    private static final String[] VERBS = {"detected", "reported", "picked up", "ignored", "uploaded", "measured",
        "lost track of", "recharged", "photographed", "moved", "flagged", "counted"};
    private static final String[] OBJECTS = {"a red box", "the temperature in the hall", "a person at the gate",
        "the battery level", "an unknown device on the network", "the parcel near the loading dock",
        "a spike of vibration on motor three during the night shift", "nothing unusual", "two pallets of fruit",
        "the humidity in the cold store", "a blocked emergency exit", "the firmware version of the door lock"};
    private static final String[] LINKS = {"then", "and later", "while", "because", "before", "after"};

    private Sentences() {
    }

    public static List<String> generate(int n, long seed) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            sb.append(pick(r, SUBJECTS)).append(' ').append(pick(r, VERBS)).append(' ').append(pick(r, OBJECTS));
            if (r.nextInt(3) == 0) {
                sb.append(' ').append(pick(r, LINKS)).append(' ').append(pick(r, SUBJECTS).toLowerCase())
                    .append(' ').append(pick(r, VERBS)).append(' ').append(pick(r, OBJECTS));
            }
            sb.append(r.nextInt(5) == 0 ? " (#" + r.nextInt(10_000) + ")." : ".");
            out.add(sb.toString());
        }
        return out;
    }

    private static String pick(Random r, String[] words) {
        return words[r.nextInt(words.length)];
    }
}
