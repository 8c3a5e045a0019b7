package org.pstore.api.archive;

import java.util.List;

/**
 * What one archive run did.
 *
 * @param archived the ids of the crashes archived, oldest first
 * @param skipped  records left where they were, each with the reason (they are tried again next time)
 */
public record ArchiveRun(List<String> archived, List<String> skipped) {
}
