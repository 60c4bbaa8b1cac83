package dev.starling.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplayGuardTest {

    private final ReplayGuard guard = new ReplayGuard(2);

    @Test
    void shouldAcceptEachSequenceNumberOnce() {
        assertThat(guard.accept(1, 10, 1)).isTrue();
        assertThat(guard.accept(1, 10, 2)).isTrue();
        assertThat(guard.accept(1, 10, 2)).isFalse();
        assertThat(guard.accept(1, 10, 1)).isFalse();
        assertThat(guard.accept(1, 10, 0)).isFalse();
    }

    @Test
    void shouldAcceptReorderingWithinTheWindowOnly() {
        assertThat(guard.accept(1, 10, 5000)).isTrue();
        assertThat(guard.accept(1, 10, 5000 - ReplayGuard.WINDOW + 1)).isTrue();
        assertThat(guard.accept(1, 10, 5000 - ReplayGuard.WINDOW + 1)).isFalse();
        assertThat(guard.accept(1, 10, 5000 - ReplayGuard.WINDOW)).isFalse();
        assertThat(guard.accept(1, 10, 4999)).isTrue();
        // a jump past the window forgets what fell out of it
        assertThat(guard.accept(1, 10, 5000 + 3 * ReplayGuard.WINDOW)).isTrue();
        assertThat(guard.accept(1, 10, 5000 + 3 * ReplayGuard.WINDOW - 1)).isTrue();
        assertThat(guard.accept(1, 10, 4999)).isFalse();
    }

    @Test
    void shouldKeepWindowsOfRecentEpochsApart() {
        assertThat(guard.accept(1, 10, 1)).isTrue();
        assertThat(guard.accept(1, 11, 1)).isTrue(); // the sender restarted
        assertThat(guard.accept(1, 10, 1)).isFalse();
        assertThat(guard.accept(1, 11, 1)).isFalse();
        for (long epoch = 12; epoch < 12 + ReplayGuard.EPOCHS_PER_SENDER; epoch++) {
            assertThat(guard.accept(1, epoch, 1)).isTrue();
        }
        // epoch 10 fell out of the last EPOCHS_PER_SENDER: accepted once more (documented limit)
        assertThat(guard.accept(1, 10, 1)).isTrue();
    }

    @Test
    void shouldBoundTheSendersItRemembers() {
        assertThat(guard.accept(1, 10, 1)).isTrue();
        assertThat(guard.accept(2, 10, 1)).isTrue();
        assertThat(guard.accept(3, 10, 1)).isTrue(); // evicts sender 1
        assertThat(guard.accept(2, 10, 1)).isFalse();
        assertThat(guard.accept(1, 10, 1)).isTrue();
    }
}
