"""The CustomModel of TD2 section III, as the sheet writes it (padding='same' with stride=2)."""

import torch.nn as nn
import torch.nn.functional as F


class CustomModel(nn.Module):
    def __init__(self, num_classes, n_input_channel, size_of_flattened_feature_map):
        super().__init__()
        self.conv1 = nn.Conv2d(n_input_channel, 32, kernel_size=3, stride=2, padding='same')
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5, stride=1, padding='same')
        self.pool1 = nn.MaxPool2d(kernel_size=2)
        self.conv3 = nn.Conv2d(64, 128, kernel_size=3, stride=1, padding='same')
        self.pool2 = nn.MaxPool2d(kernel_size=2)
        self.conv4 = nn.Conv2d(128, 256, kernel_size=3, stride=1, padding='same')
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(size_of_flattened_feature_map, 256)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(256, num_classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = self.pool1(x)
        x = F.relu(self.conv3(x))
        x = self.pool2(x)
        x = F.relu(self.conv4(x))
        x = self.flatten(x)
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        return F.softmax(self.fc2(x), dim=1)


class CustomModelPadded(nn.Module):
    """The same network with the sheet's 'same' (output = ceil(input / 2)) written as explicit padding."""

    def __init__(self, num_classes=10, n_input_channel=1, size_of_flattened_feature_map=2304):
        super().__init__()
        self.conv1 = nn.Conv2d(n_input_channel, 32, kernel_size=3, stride=2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5, padding='same')
        self.pool1 = nn.MaxPool2d(kernel_size=2)
        self.conv3 = nn.Conv2d(64, 128, kernel_size=3, padding='same')
        self.pool2 = nn.MaxPool2d(kernel_size=2)
        self.conv4 = nn.Conv2d(128, 256, kernel_size=3, padding='same')
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(size_of_flattened_feature_map, 256)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(256, num_classes)

    def forward(self, x):
        x = F.relu(self.conv1(F.pad(x, (0, 1, 0, 1))))
        x = F.relu(self.conv2(x))
        x = self.pool1(x)
        x = F.relu(self.conv3(x))
        x = self.pool2(x)
        x = F.relu(self.conv4(x))
        x = self.flatten(x)
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        return F.softmax(self.fc2(x), dim=1)
