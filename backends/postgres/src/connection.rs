//! One lazily opened connection that is opened again after the server closed it (a
//! restart, a failover): callers retry whole transactions, never half of one.

use postgres::{Client, Config, NoTls};

use crate::error::PgError;
use crate::schema;

pub(crate) struct Connection {
    config: Config,
    client: Option<Client>,
}

impl Connection {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            config,
            client: None,
        }
    }

    /// The open connection, connecting (and checking the schema) first if there is none or
    /// the server closed it.
    pub(crate) fn get(&mut self) -> Result<&mut Client, PgError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            let mut client = self
                .config
                .connect(NoTls)
                .map_err(PgError::db("connecting"))?;
            schema::check_version(&mut client)?;
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or(PgError::Invalid("connection state"))
    }

    /// The connection if it is open, without connecting.
    pub(crate) fn open(&mut self) -> Option<&mut Client> {
        self.client.as_mut().filter(|c| !c.is_closed())
    }
}
