//! `ajpgate demo`: the whole product on one machine with no Tomcat. Two in-process fake Tomcats
//! (routes node1 and node2), an lb with sticky sessions in front of them, and a status worker, all
//! configured from an ordinary workers.properties text that the command prints so it can be adapted.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::serve::{bind, run_gateway, runtime};
use crate::config::{Config, SourceFile};
use crate::fakeajp::{FakeBackend, FakeConfig};
use crate::http::server::ServerSettings;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(short = 'l', long = "listen", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

/// The demo's workers.properties for backends on `ports`.
pub fn workers_properties(ports: [u16; 2], secret: &str) -> String {
    format!(
        "# ajpgate demo: two Tomcats behind a sticky load balancer, and jk-status.\n\
         worker.list=lb,jkstatus\n\
         \n\
         worker.lb.type=lb\n\
         worker.lb.balance_workers=node1,node2\n\
         worker.lb.sticky_session=true\n\
         worker.lb.secret={secret}\n\
         \n\
         worker.node1.type=ajp13\n\
         worker.node1.host=127.0.0.1\n\
         worker.node1.port={}\n\
         \n\
         worker.node2.type=ajp13\n\
         worker.node2.host=127.0.0.1\n\
         worker.node2.port={}\n\
         \n\
         worker.jkstatus.type=status\n\
         worker.jkstatus.read_only=false\n\
         worker.jkstatus.mount=/jk-status\n\
         worker.lb.mount=/*\n",
        ports[0], ports[1]
    )
}

pub fn run(args: DemoArgs) -> ExitCode {
    let Some(runtime) = runtime("demo") else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async move {
        let secret = "demo-secret";
        let mut backends = Vec::new();
        for route in ["node1", "node2"] {
            let config = FakeConfig {
                route: route.into(),
                secret: Some(secret.into()),
                ..FakeConfig::default()
            };
            match FakeBackend::start(config).await {
                Ok(backend) => backends.push(backend),
                Err(error) => {
                    eprintln!("ajpgate demo: cannot start the fake Tomcat {route}: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
        let ports = [backends[0].addr().port(), backends[1].addr().port()];
        let properties = workers_properties(ports, secret);
        let source = SourceFile {
            path: Path::new("<demo workers.properties>"),
            bytes: properties.as_bytes(),
        };
        let config = match Config::parse(source, None, &[], &|name| std::env::var(name).ok()) {
            Ok(config) => config,
            Err(errors) => {
                eprintln!("ajpgate demo: the built-in configuration is invalid:\n{errors}");
                return ExitCode::FAILURE;
            }
        };
        let Some(listeners) = bind("demo", &[args.listen]).await else {
            return ExitCode::FAILURE;
        };
        let address = match listeners[0].tcp.local_addr() {
            Ok(address) => address,
            Err(error) => {
                eprintln!("ajpgate demo: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "ajpgate demo: listening on http://{address}\n\
             Two fake Tomcats (node1 on 127.0.0.1:{}, node2 on 127.0.0.1:{}) sit behind a sticky load balancer.\n\
             \n\
             Open:\n  \
             http://{address}/session     your node, session id and hit counter; reload and you stay on one node\n  \
             http://{address}/jk-status   the status page (loopback clients only)\n\
             \n\
             The configuration it runs (save it as workers.properties to start from it):\n\
             \n{properties}\n\
             Ctrl-C stops it.",
            ports[0], ports[1]
        );
        let code = run_gateway(
            "demo",
            config,
            listeners,
            ServerSettings::default(),
            None,
            None,
        )
        .await;
        for backend in &backends {
            backend.shutdown().await;
        }
        code
    })
}
