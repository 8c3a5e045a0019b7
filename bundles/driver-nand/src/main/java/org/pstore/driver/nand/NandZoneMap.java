package org.pstore.driver.nand;

import java.io.IOException;
import java.util.BitSet;

import org.pstore.api.PstoreException;
import org.pstore.api.device.SkipZoneException;

/**
 * Which kmsg zones of the chip are in use, which were removed (erased by pstore, their block's
 * erase deferred), which blocks are bad, and which is the spare. Guarded by the device's lock
 * (or used by the panic path that could not get it); the panic path's queries allocate nothing.
 */
final class NandZoneMap {

    private final NandChip chip;
    private final int zonesPerBlock;
    private final int zones;
    /** Sized for every zone up front, so that the panic path's marks never grow them. */
    private final BitSet used;
    private final BitSet removed;
    private final BitSet bad;
    /** The last good block: a reclaim's copies, never a zone; or -1 once no good block is left. */
    private int spare = -1;

    NandZoneMap(NandChip chip, int zonesPerBlock) {
        this.chip = chip;
        this.zonesPerBlock = zonesPerBlock;
        this.zones = zonesPerBlock * chip.blocks();
        this.used = new BitSet(zones);
        this.removed = new BitSet(zones);
        this.bad = new BitSet(chip.blocks());
    }

    int zones() {
        return zones;
    }

    int zonesPerBlock() {
        return zonesPerBlock;
    }

    int blockOf(int zone) {
        return zone / zonesPerBlock;
    }

    boolean used(int zone) {
        return used.get(zone);
    }

    boolean removed(int zone) {
        return removed.get(zone);
    }

    void use(int zone) {
        used.set(zone);
    }

    /** pstore erased the zone's record; its block is not erased yet. */
    void remove(int zone) {
        used.clear(zone);
        removed.set(zone);
    }

    boolean anyUsed(int block) {
        return !used.get(block * zonesPerBlock, (block + 1) * zonesPerBlock).isEmpty();
    }

    boolean anyRemoved(int block) {
        return !removed.get(block * zonesPerBlock, (block + 1) * zonesPerBlock).isEmpty();
    }

    /** Whether a zone in a usable block is neither in use nor removed. */
    boolean anyFree() {
        for (int z = 0; z < zones; z++) {
            if (!used.get(z) && !removed.get(z) && usable(blockOf(z))) {
                return true;
            }
        }
        return false;
    }

    /** At open: a block the chip says is bad. */
    void foundBad(int block) {
        bad.set(block);
    }

    int badBlocks() {
        return bad.cardinality();
    }

    int spare() {
        return spare;
    }

    /** The last good block becomes the spare (-1 when none is left). */
    void takeLastGoodBlockAsSpare() {
        spare = bad.previousClearBit(chip.blocks() - 1);
    }

    /** A block that holds zones: neither bad nor the spare. */
    boolean usable(int block) {
        return !bad.get(block) && block != spare;
    }

    void checkUsable(int zone) throws SkipZoneException {
        int block = blockOf(zone);
        if (bad.get(block)) {
            throw new SkipZoneException("kmsg zone " + zone + " is in bad block " + block);
        }
        if (block == spare) {
            throw new SkipZoneException("kmsg zone " + zone + " is in block " + block + ", the spare that reclaims copy to");
        }
    }

    /** Erases a block and frees its zones; a block whose erase fails is marked bad. */
    boolean eraseBlock(int block) throws IOException {
        try {
            chip.eraseBlock(block);
        } catch (PstoreException refused) {
            throw refused; // a read-only chip: not wear
        } catch (IOException e) {
            if (chip.powerLost()) {
                throw e;
            }
            markBad(block);
            return false;
        }
        used.clear(block * zonesPerBlock, (block + 1) * zonesPerBlock);
        removed.clear(block * zonesPerBlock, (block + 1) * zonesPerBlock);
        return true;
    }

    void markBad(int block) throws IOException {
        bad.set(block);
        used.clear(block * zonesPerBlock, (block + 1) * zonesPerBlock);
        removed.clear(block * zonesPerBlock, (block + 1) * zonesPerBlock);
        chip.markBad(block);
    }

    /** The block's state: bad, spare or good. */
    String state(int block) {
        return bad.get(block) ? "bad" : block == spare ? "spare" : "good";
    }

    /** The block's zones: used (U), removed (R) or free (.). */
    String zones(int block) {
        char[] map = new char[zonesPerBlock];
        for (int z = 0; z < zonesPerBlock; z++) {
            int zone = block * zonesPerBlock + z;
            map[z] = used.get(zone) ? 'U' : removed.get(zone) ? 'R' : '.';
        }
        return new String(map);
    }
}
