package io.ratestack.spring.readme;

import org.jspecify.annotations.Nullable;

/** The application's accounts, as the README's example assumes them. */
interface Accounts {

    /** The plan of the account an issued API key belongs to, or {@code null} for a key not issued (or none). */
    @Nullable String planOf(@Nullable String apiKey);
}
