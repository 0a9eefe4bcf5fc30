package io.ratestack.sample;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.CommandLineRunner;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * With the {@code client} profile, the app is the tutorial's client instead of its server: it sends a burst to the
 * server and prints the count of each status. Through Spring Boot's {@code RestClient.Builder}, which the starter
 * paces by {@code ratelimit.client.targets.tutorial} (see {@code application-client.yml}); with
 * {@code --tutorial.unpaced=true}, through a plain {@code RestClient}, to show the server's 429s.
 */
@Component
@Profile("client")
class ClientCommand implements CommandLineRunner {

    private final RestClient.Builder paced;
    private final String baseUrl;
    private final int requests;
    private final boolean unpaced;

    ClientCommand(RestClient.Builder paced, @Value("${tutorial.base-url}") String baseUrl,
            @Value("${tutorial.requests:20}") int requests, @Value("${tutorial.unpaced:false}") boolean unpaced) {
        this.paced = paced;
        this.baseUrl = baseUrl;
        this.requests = requests;
        this.unpaced = unpaced;
    }

    @Override
    public void run(String... args) throws Exception {
        RestClient client = unpaced ? RestClient.builder().baseUrl(baseUrl).build() : paced.baseUrl(baseUrl).build();
        System.out.println("Sending " + requests + " requests to " + baseUrl + (unpaced ? ", unpaced" : ", paced")
                + " ...");
        System.out.print(TutorialClient.format(new TutorialClient(client).burst(requests)));
    }
}
