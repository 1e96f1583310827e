{
  # One kernel addon per OS (iked_kernel.node), chosen by OS conditions, plus on
  # Linux a test addon (iked_pfkey_compat.node) that compiles the OpenBSD and
  # KAME PF_KEY adapters against native/compat/ so they are built and tested here.
  # iked_crypto.node: per-message cryptography on Node's own OpenSSL 3 (its symbols
  # resolve against the node binary; headers: node-gyp's include/node/openssl/, or
  # the system's libssl-dev when Node's headers lack them). Not on OpenBSD (LibreSSL).
  'variables': {
    # 1 when OpenSSL headers are found (native/have-openssl-headers.sh); 0: no iked_crypto.node
    'iked_openssl_headers%': '<!(sh native/have-openssl-headers.sh "<(node_root_dir)")',
  },
  'target_defaults': {
    'cflags': ['-std=gnu11', '-Wall', '-Wextra', '-Wno-unused-parameter', '-O2'],
    'include_dirs': ['native'],
    'defines': ['NAPI_VERSION=8'],
  },
  'targets': [
    {
      'target_name': 'iked_kernel',
      'sources': [
        'native/addon.c',
        'native/napi_util.c',
        'native/kernel_spec.c',
        'native/syslog_priv.c',
        'native/v8_memory.c',
      ],
      'conditions': [
        ['OS=="linux"', {
          'sources': [
            'native/register_linux.c',
            'native/xfrm_msg.c',
            'native/xfrm_netlink.c',
            'native/natt_linux.c',
            'native/netns_linux.c',
            'native/pfkey_kame.c',
            'native/pfkey_build_napi.c',
            'native/pfkey_socket.c',
            'native/kernel_socket.c',
            'native/malloc_trim_linux.c',
          ],
          'libraries': ['-lpthread', '-ldl'],
        }],
        ['OS=="openbsd"', {
          'sources': [
            'native/register_openbsd.c',
            'native/natt_openbsd.c',
            'native/netns_none.c',
            'native/pfkey_openbsd.c',
            'native/pfkey_build_napi.c',
            'native/pfkey_socket.c',
            'native/kernel_socket.c',
          ],
        }],
        ['OS=="mac"', {
          'sources': [
            'native/register_kame.c',
            'native/natt_kame.c',
            'native/netns_none.c',
            'native/pfkey_kame.c',
            'native/pfkey_build_napi.c',
            'native/pfkey_socket.c',
            'native/kernel_socket.c',
          ],
          'xcode_settings': { 'OTHER_CFLAGS': ['-std=gnu11'] },
        }],
        ['OS=="freebsd" or OS=="netbsd"', {
          'sources': [
            'native/register_kame.c',
            'native/natt_kame.c',
            'native/netns_none.c',
            'native/pfkey_kame.c',
            'native/pfkey_build_napi.c',
            'native/pfkey_socket.c',
            'native/kernel_socket.c',
          ],
        }],
      ],
    },
  ],
  'conditions': [
    ['OS!="openbsd" and OS!="win" and iked_openssl_headers==1', {
      'targets': [
        {
          'target_name': 'iked_crypto',
          'sources': [
            'native/crypto_addon.c',
            'native/crypto_digest.c',
            'native/crypto_hmac.c',
            'native/crypto_kdf.c',
            'native/crypto_kx.c',
            'native/crypto_sk.c',
            'native/napi_util.c',
          ],
          'libraries': ['-lpthread'],
        },
      ],
    }],
    ['OS=="linux"', {
      'targets': [
        {
          'target_name': 'iked_pfkey_compat',
          'defines': ['IKED_PFKEY_COMPAT=1'],
          'sources': [
            'native/compat_addon.c',
            'native/napi_util.c',
            'native/kernel_spec.c',
            'native/pfkey_build_napi.c',
            'native/pfkey_kame.c',
            'native/pfkey_openbsd.c',
          ],
        },
      ],
    }],
  ],
}
