/* Loaded by mock_emby before civetweb starts TLS (see server.c): its soname
 * is "libssl.so", so civetweb's dlopen("libssl.so") finds it, and dlsym()
 * on it reaches the real libssl.so.3 it links. It adds the one function
 * civetweb 1.15 wants that OpenSSL 3 turned into a macro. No OpenSSL headers
 * are needed: the types are opaque here. */
void *SSL_get1_peer_certificate(const void *ssl);
void *SSL_get_peer_certificate(const void *ssl);

void *SSL_get_peer_certificate(const void *ssl)
{
	return SSL_get1_peer_certificate(ssl);
}
