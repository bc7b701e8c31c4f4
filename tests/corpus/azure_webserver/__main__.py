"""A web server VM (pulumi/examples azure-py-webserver).

Exercises: ``network.get_public_ip_address`` for an existing jump box (plain arguments, so it
runs in every preview) and again inside ``vm.id.apply`` as the example does (runs only once the
VM exists), and the small previous-generation size ``Standard_A1_v2`` the catalog must size.
"""

import base64

import pulumi_azure_native.compute as compute
import pulumi_azure_native.network as network
import pulumi_azure_native.resources as resources
from pulumi import Config, export

config = Config()
username = config.require("username")
password = config.require_secret("password")

resource_group = resources.ResourceGroup("server")

# SSH is allowed only from the team's existing jump box.
jumpbox = network.get_public_ip_address(
    resource_group_name="shared-network", public_ip_address_name="jumpbox-ip"
)

security_group = network.NetworkSecurityGroup(
    "server-nsg",
    resource_group_name=resource_group.name,
    security_rules=[
        network.SecurityRuleArgs(
            name="ssh-from-jumpbox",
            protocol="Tcp",
            source_port_range="*",
            destination_port_range="22",
            source_address_prefix=jumpbox.ip_address,
            destination_address_prefix="*",
            access="Allow",
            priority=100,
            direction="Inbound",
        ),
        network.SecurityRuleArgs(
            name="http",
            protocol="Tcp",
            source_port_range="*",
            destination_port_range="80",
            source_address_prefix="Internet",
            destination_address_prefix="*",
            access="Allow",
            priority=110,
            direction="Inbound",
        ),
    ],
)

net = network.VirtualNetwork(
    "server-network",
    resource_group_name=resource_group.name,
    address_space=network.AddressSpaceArgs(address_prefixes=["10.0.0.0/16"]),
    subnets=[network.SubnetArgs(name="default", address_prefix="10.0.1.0/24")],
)

public_ip = network.PublicIPAddress(
    "server-ip",
    resource_group_name=resource_group.name,
    public_ip_allocation_method=network.IPAllocationMethod.DYNAMIC,
)

network_iface = network.NetworkInterface(
    "server-nic",
    resource_group_name=resource_group.name,
    network_security_group=network.NetworkSecurityGroupArgs(id=security_group.id),
    ip_configurations=[
        network.NetworkInterfaceIPConfigurationArgs(
            name="webserveripcfg",
            subnet=network.SubnetArgs(id=net.subnets[0].id),
            private_ip_allocation_method=network.IPAllocationMethod.DYNAMIC,
            public_ip_address=network.PublicIPAddressArgs(id=public_ip.id),
        )
    ],
)

init_script = """#!/bin/bash

echo "Hello, World!" > index.html
nohup python -m SimpleHTTPServer 80 &"""

vm = compute.VirtualMachine(
    "server-vm",
    resource_group_name=resource_group.name,
    network_profile=compute.NetworkProfileArgs(
        network_interfaces=[compute.NetworkInterfaceReferenceArgs(id=network_iface.id)],
    ),
    hardware_profile=compute.HardwareProfileArgs(
        vm_size=compute.VirtualMachineSizeTypes.STANDARD_A1_V2,
    ),
    os_profile=compute.OSProfileArgs(
        computer_name="hostname",
        admin_username=username,
        admin_password=password,
        custom_data=base64.b64encode(init_script.encode("ascii")).decode("ascii"),
        linux_configuration=compute.LinuxConfigurationArgs(disable_password_authentication=False),
    ),
    storage_profile=compute.StorageProfileArgs(
        os_disk=compute.OSDiskArgs(
            create_option=compute.DiskCreateOptionTypes.FROM_IMAGE, name="myosdisk1"
        ),
        image_reference=compute.ImageReferenceArgs(
            publisher="canonical", offer="UbuntuServer", sku="16.04-LTS", version="latest"
        ),
    ),
)

public_ip_addr = vm.id.apply(
    lambda _: network.get_public_ip_address_output(
        public_ip_address_name=public_ip.name, resource_group_name=resource_group.name
    )
)

export("public_ip", public_ip_addr.ip_address)
