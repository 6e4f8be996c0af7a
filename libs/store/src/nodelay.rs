//! `TCP_NODELAY` on the PostgreSQL connections.
//!
//! The PostgreSQL driver (sqlx 0.9.0) opens its TCP connections with Nagle's algorithm on. A
//! statement larger than one TCP segment then ends with a short segment that waits for the
//! server's delayed acknowledgement — about 40 ms on Linux — so every multi-row insert of a bulk
//! import paid 40 ms. The driver offers no hook to its socket, so after each new connection this
//! sets `TCP_NODELAY` on every TCP socket of the process whose peer is the database's port (the
//! new connection among them; setting it again on older ones changes nothing).
#![allow(unsafe_code)]

/// Sets `TCP_NODELAY` on the process's TCP sockets connected to `port`; answers how many.
pub fn set_on_connections_to(port: u16) -> usize {
    connections_to(port).filter(|fd| sys::set_nodelay(*fd)).count()
}

/// How many of the process's TCP sockets connected to `port` have `TCP_NODELAY` set, of how many.
pub fn count_on_connections_to(port: u16) -> (usize, usize) {
    connections_to(port).fold((0, 0), |(on, all), fd| (on + usize::from(sys::nodelay(fd)), all + 1))
}

/// The descriptors of the process's TCP sockets whose peer is at `port`.
fn connections_to(port: u16) -> impl Iterator<Item = i32> {
    let fds: Vec<i32> = match std::fs::read_dir("/proc/self/fd") {
        Ok(dir) => dir.flatten().filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok())).collect(),
        Err(_) => vec![],
    };
    fds.into_iter().filter(move |fd| sys::peer_port(*fd) == Some(port))
}

#[cfg(target_os = "linux")]
mod sys {
    use std::mem::size_of;

    /// The peer's port of an IPv4 or IPv6 socket. A descriptor closed (or reused) since it was
    /// listed makes the call fail or answer for the new socket, which the caller's port check
    /// judges like any other.
    pub fn peer_port(fd: i32) -> Option<u16> {
        // SAFETY: `addr` is a zeroed sockaddr_storage, large enough for any address, and `len`
        // holds its size; getpeername writes at most `len` bytes.
        let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        if unsafe { libc::getpeername(fd, (&raw mut addr).cast::<libc::sockaddr>(), &mut len) } != 0 {
            return None;
        }
        // SAFETY: the family says which sockaddr the storage holds.
        match libc::c_int::from(addr.ss_family) {
            libc::AF_INET => Some(u16::from_be(unsafe { (*(&raw const addr).cast::<libc::sockaddr_in>()).sin_port })),
            libc::AF_INET6 => {
                Some(u16::from_be(unsafe { (*(&raw const addr).cast::<libc::sockaddr_in6>()).sin6_port }))
            }
            _ => None,
        }
    }

    pub fn set_nodelay(fd: i32) -> bool {
        let on: libc::c_int = 1;
        // SAFETY: passes a pointer to a live c_int and its size.
        unsafe {
            libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&raw const on).cast::<libc::c_void>(),
                size_of::<libc::c_int>() as libc::socklen_t,
            ) == 0
        }
    }

    pub fn nodelay(fd: i32) -> bool {
        let mut value: libc::c_int = 0;
        let mut len = size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: passes a pointer to a live c_int and its size.
        let read = unsafe {
            libc::getsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&raw mut value).cast::<libc::c_void>(),
                &mut len,
            )
        };
        read == 0 && value != 0
    }
}

/// Elsewhere the driver's sockets are left as they are.
#[cfg(not(target_os = "linux"))]
mod sys {
    pub fn peer_port(_fd: i32) -> Option<u16> {
        None
    }
    pub fn set_nodelay(_fd: i32) -> bool {
        false
    }
    pub fn nodelay(_fd: i32) -> bool {
        false
    }
}
