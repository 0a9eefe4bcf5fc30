package io.ratestack.security;

import io.ratestack.spring.web.ClientKeyResolver;
import java.security.Principal;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** An application with HTTP Basic authentication: alice and bob, and one endpoint. */
@SpringBootApplication
@RestController
public class SecuredApp {

    @GetMapping("/me")
    public String me(Principal principal) {
        return principal.getName();
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
                .httpBasic(Customizer.withDefaults())
                .csrf(csrf -> csrf.disable())
                .build();
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(
                User.withUsername("alice").password("{noop}alice-secret").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob-secret").roles("USER").build());
    }

    /** Keys by the authenticated user; only meaningful when the rate limit filter runs after Spring Security's. */
    @Bean
    ClientKeyResolver principals() {
        return request -> request.getUserPrincipal() == null ? null : "user:" + request.getUserPrincipal().getName();
    }
}
