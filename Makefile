# The two commands of the README: `make demo` and `make test`.
SHELL := /bin/bash
MVN ?= mvn -B -ntp -Dstyle.color=never

# What the tests need from Debian; installed only when missing.
DEBIAN_PACKAGES := wireguard-go wireguard-tools nftables iproute2 iperf3 tcpdump iputils-ping git procps gnupg openssh-client util-linux curl \
	qemu-system-x86 busybox-static kmod mmdebstrap buildah podman runc skopeo unzip prometheus

.PHONY: demo test kernel-test deps build image release bench clean reference

# A 3-node mesh on this machine from examples-repo; --keep leaves it running: make demo ARGS=--keep
demo: deps
	@if [ "$$(id -u)" -ne 0 ]; then echo "make demo needs root (network namespaces, links, WireGuard): sudo make demo" >&2; exit 1; fi
	$(MVN) -q -DskipTests install
	$(MVN) -q -pl reconciler test-compile exec:exec -Dbench.main=dev.gitwire.demo.Demo -Dbench.heap=512m -Dbench.args="$(ARGS)"

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" -ne 0 ]; then echo "make: missing Debian packages:$$missing (run as root to install them)" >&2; exit 1; fi; \
	    echo "installing:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@# kubectl (for the kustomize build test) may come from another source; Debian's only where none is
	@if ! command -v kubectl >/dev/null && [ "$$(id -u)" -eq 0 ]; then \
	    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends kubernetes-client; } \
	        || echo "make: kubectl not installed: the kustomize build of deploy/ is skipped" >&2; \
	fi

build:
	$(MVN) -q -DskipTests package

# The agent's image from Debian's packages (tools/image; its root file system cached under /var/cache/gitwire):
# target/image/, and localhost/gitwire:VERSION in tools/podman's storage, where the image's tests run it.
image: deps
	$(MVN) -q -DskipTests install
	tools/image

# The release of the pom's version in target/release/VERSION/: image archive and digest, chart, jar, SBOMs,
# release notes, SHA256SUMS (tools/release).
release: deps
	tools/release

# docs/reference/commands.md, intent.md and status.md from the command line and the schemas (ReferenceDocsTest
# fails when they differ from the code)
reference:
	$(MVN) -q -DskipTests install
	$(MVN) -q -pl reconciler test-compile exec:exec -Dbench.main=dev.gitwire.reference.ReferenceDocs -Dbench.heap=256m -Dbench.args=$(CURDIR)/docs

test: deps image
	tools/image-test
	$(MVN) verify
	tools/launcher-test
	$(MAKE) --no-print-directory kernel-test

# The kernel WireGuard tests (and the route and rule layers, and gitwire apply on a 3-node mesh) in a
# QEMU VM with Debian's kernel and its WireGuard module: this machine's kernel has none. See tools/kernel-vm.
# KERNEL_TESTS=ClassName... runs only those classes' tests.
KERNEL_TEST_CLASSPATH = $(CURDIR)/reconciler/target/test-classes:$(CURDIR)/reconciler/target/classes:$$(cat reconciler/target/test-classpath)
# The nodes in the VM run gitwire through the launcher (./gitwire), as users do. Its `apply` archive of classes
# is made here first, by an apply of a node outside the mesh in an empty network namespace: made under QEMU's
# emulation it would cost more than it saves (the VM sees it read-only and uses it; docs/architecture.md).
kernel-test: deps
	$(MVN) -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath -Dmdep.includeScope=test
	unshare --net ./gitwire apply --repo examples-repo --node aks-nodepool1-12345678-vmss000000 --no-kubernetes \
		--state-dir "$$(mktemp -d)" --wireguard kernel >/dev/null
	GITWIRE_PRIVILEGED_TESTS=required tools/kernel-vm --timeout 900 -- java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
		-Xmx1g -Dgitwire.testbed.launcher=$(CURDIR)/gitwire -cp "$(KERNEL_TEST_CLASSPATH)" dev.gitwire.testing.KernelTestLauncher \
		$(KERNEL_TESTS)

# Benchmarks are not tests: they print figures for docs/benchmarks.md.
# Each as NAME:HEAP (the heap its figures were measured with).
BENCHMARKS := ValidateBenchmark:512m EngineBenchmark:1g RouteBenchmark:512m WireguardBenchmark:512m ApplyBenchmark:512m AgentBenchmark:1g PodEventBenchmark:512m MlKemBenchmark:256m \
	StatusBenchmark:3g ClusterStatusBenchmark:3g KubernetesStoreBenchmark:8g GuardBenchmark:512m GuardThroughputBenchmark:512m
bench:
	$(MVN) -q -DskipTests install
	for b in $(BENCHMARKS); do $(MVN) -q -pl reconciler test-compile exec:exec \
		-Dbench.main=dev.gitwire.bench.$${b%%:*} -Dbench.heap=$${b##*:} || exit 1; done

clean:
	$(MVN) -q clean
