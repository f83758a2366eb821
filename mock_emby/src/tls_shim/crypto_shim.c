/* Soname "libcrypto.so" over the real libcrypto.so.3 (see ssl_shim.c), so
 * that civetweb finds libcrypto without the -dev symlink. */
int mock_emby_crypto_shim_present(void);

int mock_emby_crypto_shim_present(void)
{
	return 1;
}
