package org.pstore.web;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The web view: where it listens and who may use it. */
@ObjectClassDefinition(name = "pstore web view", description = "The page and JSON API under /pstore/, behind HTTP basic auth")
public @interface WebConfig {

    String PID = "org.pstore.web";

    @AttributeDefinition(description = "TCP port (0: any free port)", min = "0", max = "65535")
    int port() default 8080;

    @AttributeDefinition(description = "address to listen on; 0.0.0.0 opens the view to the network")
    String address() default "127.0.0.1";

    @AttributeDefinition(description = "the user name basic auth asks for")
    String username() default "pstore";

    @AttributeDefinition(type = AttributeType.PASSWORD,
            description = "the password; empty: a random one made at first start and kept in password.file")
    String password() default "";

    @AttributeDefinition(name = "password.file",
            description = "where a generated password is kept (readable by its owner only), relative to the working folder")
    String password_file() default "pstore-web.password";
}
